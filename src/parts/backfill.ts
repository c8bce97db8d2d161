import type { Logger } from 'pino';
import { fillTencentSequenceGap, groupHistoryApi } from '../backfill/fill-sequence-gaps';
import { fillOpenWindows } from '../backfill/fill-windows';
import { createGapWorker, type BackfillTrigger } from '../backfill/gap-worker';
import { createBackfillPageIntake } from '../backfill/intake';
import type { QuotaSource } from '../backfill/quota';
import { createTencentGroupHistory } from '../backfill/tencent/group-history';
import { buildWindowFillers, type WindowFillerEntry } from '../backfill/window-fillers';
import type { Config } from '../config';
import type { FillHeap } from '../heap';
import { loadUndici } from '../protocols/vendor-call';
import type { Metrics } from '../metrics';
import type { Spool } from '../pipeline/spool';
import type { Vendor } from '../vendors/vendor';
import type { Stops } from './stops';

export type { BackfillTrigger };

type Deps = { spool: Spool; vendors: readonly Vendor[]; metrics: Metrics; logger: Logger; clock: () => number; stops: Stops; quotas: QuotaSource; heap: FillHeap };

/**
 * Backfill (opt-in per vendor): one worker fills the open gaps, first Tencent group sequence gaps
 * from the group history (BACKFILL_TENCENT_URL and _KEY), then the outage windows of every vendor
 * with a window filler (`backfill/window-fillers.ts`). Fetched messages go through the same intake
 * as a callback, marked `backfill=<api>`. A gap stays open until it is settled, so one cut short by
 * a crash is read again at the next start (what was stored already comes back as duplicates). A
 * failing API is retried after a pause. History calls take from `deps.quotas` (one per app and API,
 * shared between pods with BACKFILL_REDIS_URL). `more`: fillers built elsewhere (Easemob's shares the hourly
 * reconciliation's quota and token). Undefined when no vendor's backfill is configured.
 */
export function startBackfill(config: Config, deps: Deps, more: ReadonlyMap<string, WindowFillerEntry> = new Map()): BackfillTrigger | undefined {
  const fillers = new Map([...buildWindowFillers(config, deps.quotas), ...more]);
  const groups = config.backfill.tencent && deps.vendors.some((v) => v.name === 'tencent') ? config.backfill.tencent : undefined;
  if ((groups === undefined && fillers.size === 0) || config.ackMode !== 'spool') return undefined;
  // The HTTP client now: the first history call comes as callbacks come back after an outage (`loadUndici`).
  loadUndici();
  const { spool, metrics, logger, clock } = deps;
  const pageIntake = createBackfillPageIntake({ spool, vendors: deps.vendors, clock });
  const fillGroups = async (signal: AbortSignal): Promise<boolean> => {
    let failed = false;
    if (groups === undefined) return failed;
    for (const gap of spool.gaps.list({ kind: 'sequence', state: 'open', vendor: 'tencent' }, 100).reverse()) {
      if (signal.aborted) break;
      // Settled by hand since the list was read: not read.
      if (!spool.gaps.isOpen(gap.gid)) continue;
      const quota = deps.quotas({ vendor: 'tencent', app: gap.app ?? '', api: groupHistoryApi }, { perSecond: groups.perSecond });
      const history = createTencentGroupHistory({ ...groups, sdkAppId: Number(gap.app) }, { quota, clock });
      try {
        const result = await fillTencentSequenceGap(gap, { history, intake: pageIntake, sdkAppId: Number(gap.app), signal });
        metrics.backfilled('tencent', groupHistoryApi, result.counts);
        if (result.state !== 'open') await spool.gaps.settle(gap.gid, result.state, result.note);
        logger.info({ gap: gap.gid, group: gap.conversation, state: result.state, note: result.note }, 'backfill of a Tencent group gap finished');
      } catch (error) {
        if (signal.aborted) break;
        metrics.backfillApiError('tencent', groupHistoryApi);
        logger.warn({ err: error, gap: gap.gid }, 'backfill of a Tencent group gap failed; it stays open and is tried again');
        failed = true;
      }
    }
    return failed;
  };
  const windowDeps = { gaps: spool.gaps, fillers, intake: pageIntake, metrics, logger, clock, seenRetentionMs: config.gaps.seenRetentionMs };
  // With the heap a fill needs (`FillHeap`): its events wait in memory for their delivery.
  const worker = createGapWorker((signal) =>
    deps.heap.during(async () => {
      const groupsFailed = await fillGroups(signal);
      const windows = await fillOpenWindows(windowDeps, signal);
      return { failed: groupsFailed || windows.failed, waiting: windows.waiting };
    }),
  );
  deps.stops.add('backfill', () => worker.stop());
  worker.trigger();
  return worker.trigger;
}
