import type { Logger } from 'pino';
import type { ConversationKey } from '../pipeline/spool/conversations';
import type { GapStore } from '../pipeline/spool/gaps';
import { windowConversations } from './conversation-names';
import type { BackfillPageIntake } from './fill-sequence-gaps';
import type { PassResult } from './gap-worker';
import type { WindowFillerEntry } from './window-fillers';

export interface WindowPassDeps {
  readonly gaps: Pick<GapStore, 'list' | 'settle' | 'seen' | 'progress' | 'resumeAfter' | 'isOpen'>;
  readonly fillers: ReadonlyMap<string, WindowFillerEntry>;
  readonly intake: BackfillPageIntake;
  readonly metrics: {
    backfilled(vendor: string, api: string, counts: Readonly<Record<string, number>>): void;
    backfillApiError(vendor: string, api: string): void;
  };
  readonly logger: Logger;
  readonly clock: () => number;
  /** How far back a conversation counts as seen (BACKFILL_SEEN_RETENTION). */
  readonly seenRetentionMs: number;
}

/**
 * One pass over the open `window` gaps, oldest first: each is read by its vendor's filler and settled
 * with the filler's note. A window stays open until settled, so one cut short by a crash or a failing
 * API is read again: over the conversations seen, from the page it stopped in (each page read to its
 * end is noted in the spool); otherwise from its start (what was stored already comes back as
 * duplicates). Windows of a vendor without a configured filler are left open. A window its filler
 * left open (Easemob: an hour file not due or not stored yet) makes the pass report `waiting`.
 */
export async function fillOpenWindows(deps: WindowPassDeps, signal: AbortSignal): Promise<PassResult> {
  let [failed, waiting] = [false, false];
  for (const gap of deps.gaps.list({ kind: 'window', state: 'open' }, 100).reverse()) {
    const entry = gap.vendor === undefined ? undefined : deps.fillers.get(gap.vendor);
    if (signal.aborted) break;
    // Without a filler, or settled by hand since the list was read: not read.
    if (entry === undefined || gap.vendor === undefined || !deps.gaps.isOpen(gap.gid)) continue;
    const since = Math.min(deps.clock(), gap.fromAt) - deps.seenRetentionMs;
    const paging = { after: deps.gaps.resumeAfter(gap.gid), pageDone: (last: ConversationKey) => deps.gaps.progress(gap.gid, last) };
    const conversations = entry.wholeApp ? [] : windowConversations({ vendor: gap.vendor, app: gap.app, conversation: gap.conversation }, deps.gaps.seen, since, paging);
    try {
      const result = await entry.filler({ gid: gap.gid, vendor: gap.vendor, app: gap.app, fromAt: gap.fromAt, untilAt: gap.untilAt, conversations }, { intake: deps.intake, signal, clock: deps.clock });
      deps.metrics.backfilled(gap.vendor, entry.api, result.counts);
      if (result.state !== 'open') await deps.gaps.settle(gap.gid, result.state, result.note);
      else if (!signal.aborted) waiting = true;
      deps.logger.info({ gap: gap.gid, vendor: gap.vendor, state: result.state, note: result.note, resumedAfter: paging.after }, 'backfill of an outage window finished');
    } catch (error) {
      if (signal.aborted) break;
      deps.metrics.backfillApiError(gap.vendor, entry.api);
      deps.logger.warn({ err: error, gap: gap.gid, vendor: gap.vendor }, 'backfill of an outage window failed; it stays open and is tried again');
      failed = true;
    }
  }
  return { failed, waiting };
}
