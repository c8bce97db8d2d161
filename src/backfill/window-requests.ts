import type { Config } from '../config';
import type { WindowRequest } from '../pipeline/admin';
import type { Gap, GapStore, NewGap } from '../pipeline/spool/gaps';
import { countWindowConversations } from './conversation-names';
import { windowVendors } from './window-fillers';

/**
 * What the admin API needs for windows asked by hand: the vendors with a window filler here, how many
 * conversations a window would read, what its dry run counts (the conversations, or for a vendor read
 * as a whole app with a counter in `counters`, the messages it would take in), and recording it (then
 * `wake`, where a backfill worker runs; without one, e.g. the CLI on a stopped service's spool, the
 * next start fills it).
 */
export function windowRequests(config: Config, gaps: Pick<GapStore, 'record' | 'seen'>, clock: () => number, wake?: () => void, counters: ReadonlyMap<string, (request: WindowRequest) => Promise<number>> = new Map()) {
  const fillers = windowVendors(config, 'by hand');
  const vendors = [...fillers.keys()];
  const asGap = (request: WindowRequest, note: string): NewGap & { vendor: string } => ({
    kind: 'window', vendor: request.vendor, app: request.app, fromAt: request.fromAt, untilAt: request.untilAt,
    conversation: request.conversations === undefined ? undefined : JSON.stringify(request.conversations), note,
  });
  return {
    vendors,
    /** Conversations the window would read, as the backfill worker will choose them now. */
    count(request: WindowRequest): number {
      if (fillers.get(request.vendor)?.wholeApp) return 0;
      const since = Math.min(clock(), request.fromAt) - config.gaps.seenRetentionMs;
      return countWindowConversations(asGap(request, ''), gaps.seen, since);
    },
    /** The dry run's count: the messages of the window not stored yet where the vendor's history is read whole (Easemob's hour files), else `count`. */
    preview(request: WindowRequest): Promise<number> {
      const counter = counters.get(request.vendor);
      return counter === undefined ? Promise.resolve(this.count(request)) : counter(request);
    },
    async record(request: WindowRequest, note: string): Promise<Gap> {
      const gap = await gaps.record(asGap(request, note), clock());
      wake?.();
      return gap;
    },
  };
}

export type WindowRequests = ReturnType<typeof windowRequests>;
