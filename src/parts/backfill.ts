import type { Logger } from 'pino';
import { fillTencentSequenceGap, groupHistoryApi, type BackfillIntake } from '../backfill/fill-sequence-gaps';
import { createQuota } from '../backfill/quota';
import { createTencentGroupHistory } from '../backfill/tencent/group-history';
import type { Config } from '../config';
import type { Metrics } from '../metrics';
import { createAcceptor } from '../pipeline/accept';
import type { Spool } from '../pipeline/spool';
import type { Vendor } from '../vendors/vendor';
import type { Stops } from './stops';

/** Starts filling the open gaps again (after new ones were recorded). */
export type BackfillTrigger = () => void;

/**
 * Backfill of Tencent group sequence gaps (opt-in: BACKFILL_TENCENT_URL and _KEY): one worker reads
 * each open gap's missing numbers from the group history, behind the client-side quota, and hands
 * every message to the same intake as a callback, marked `backfill=tencent/group_msg_get_simple`.
 * A gap stays open until it is filled, so one cut short by a crash is read again at the next start
 * (what was stored already comes back as duplicates). A failing API is retried after a pause.
 */
export function startBackfill(config: Config, deps: { spool: Spool; vendors: readonly Vendor[]; metrics: Metrics; logger: Logger; clock: () => number; stops: Stops }): BackfillTrigger | undefined {
  const settings = config.backfill.tencent;
  const tencent = deps.vendors.find((v) => v.name === 'tencent');
  if (settings === undefined || tencent === undefined || config.ackMode !== 'spool') return undefined;
  const { spool, metrics, logger, clock } = deps;
  const accept = createAcceptor({ spool });
  const intake: BackfillIntake = async (_vendor, api, query, body) => {
    const raw = Buffer.from(JSON.stringify(body));
    const receivedAt = clock();
    const made = tencent.toEvent({ query, headers: {} }, raw, receivedAt);
    const marked = made.kind === 'event' ? { ...made, event: { ...made.event, attributes: { ...made.event.attributes, backfill: api } } } : made;
    const outcome = await accept(marked, { vendor: tencent.name, head: () => tencent.storedHead({ query, headers: {} }), body: raw, receivedAt });
    return outcome.kind === 'accepted' || outcome.kind === 'duplicate' || outcome.kind === 'ignored' ? outcome.kind : 'invalid';
  };
  const stop = new AbortController();
  let running: Promise<void> | undefined;
  /** New gaps came while a pass ran (run again at once); a gap failed (run again after a pause). */
  let again = false;
  let failed = false;

  async function fillOpenGaps(): Promise<void> {
    for (const gap of spool.gaps.list({ kind: 'sequence', state: 'open', vendor: 'tencent' }, 100).reverse()) {
      if (stop.signal.aborted) return;
      const history = createTencentGroupHistory({ ...settings!, sdkAppId: Number(gap.app) }, { quota, clock });
      try {
        const result = await fillTencentSequenceGap(gap, { history, intake, sdkAppId: Number(gap.app), signal: stop.signal });
        metrics.backfilled('tencent', groupHistoryApi, result.counts);
        if (result.state !== 'open') await spool.gaps.settle(gap.gid, result.state, result.note);
        logger.info({ gap: gap.gid, group: gap.conversation, state: result.state, note: result.note }, 'backfill of a Tencent group gap finished');
      } catch (error) {
        if (stop.signal.aborted) return;
        metrics.backfillApiError('tencent', groupHistoryApi);
        logger.warn({ err: error, gap: gap.gid }, 'backfill of a Tencent group gap failed; it stays open and is tried again');
        failed = true;
      }
    }
  }
  const quota = createQuota({ perSecond: settings.perSecond });
  const trigger: BackfillTrigger = () => {
    if (running) {
      again = true;
      return;
    }
    again = false;
    failed = false;
    running = fillOpenGaps().finally(() => {
      running = undefined;
      if (stop.signal.aborted) return;
      if (again) trigger();
      else if (failed) setTimeout(trigger, 5000).unref();
    });
  };
  deps.stops.add('backfill', async () => {
    stop.abort();
    await running;
  });
  trigger();
  return trigger;
}
