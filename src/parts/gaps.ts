import type { Logger } from 'pino';
import { outageWindows } from '../backfill/outage-windows';
import { createSeenWatch } from '../backfill/seen-watch';
import { createSequenceWatch } from '../backfill/sequence-watch';
import { windowVendors } from '../backfill/window-fillers';
import type { Config } from '../config';
import type { Event } from '../events/event';
import type { Metrics } from '../metrics';
import type { Spool } from '../pipeline/spool';
import type { Stops } from './stops';

/** Sees every newly accepted event (for the sequence watch and the conversations seen). */
export type AcceptedObserver = (event: Event) => void;

/** Conversations not seen for longer than the retention are forgotten at most once an hour. */
const forgetEveryMs = 3_600_000;

/**
 * The gap watch: records the outage since the previous run's last alive note (one window per vendor
 * with a window filler when it lasted longer than BACKFILL_OUTAGE_MIN), then notes every
 * `GAP_ALIVE_INTERVAL` that the gateway is alive, together with the sequence marks that changed, the
 * sequence gaps past their grace period and the conversations seen (one small commit). A clean stop
 * writes a last note, so the next outage starts at the stop.
 */
export async function startGapWatch(config: Config, deps: { spool: Spool; metrics: Metrics; logger: Logger; clock: () => number; stops: Stops; onGaps?: () => void }): Promise<AcceptedObserver> {
  const { spool, metrics, logger, clock } = deps;
  const store = spool.gaps;
  metrics.watchGaps(store);
  const split = outageWindows({ minOutageMs: config.gaps.outageMinMs, vendors: [...windowVendors(config, 'outage').keys()] });
  const started = await store.markStarted(clock(), split);
  const outage = started?.outage;
  metrics.outageAtStart(outage ? (outage.untilAt - outage.fromAt) / 1000 : 0);
  if (outage) {
    metrics.gapsDetected('outage');
    logger.info({ gap: outage.gid, from: new Date(outage.fromAt).toISOString(), until: new Date(outage.untilAt).toISOString() }, 'recorded the outage since the last alive note: messages sent meanwhile may be missing');
  }
  if (started && started.windows.length > 0) {
    metrics.gapsDetected('window', started.windows.length);
    logger.info({ gaps: started.windows.map((w) => ({ gid: w.gid, vendor: w.vendor })) }, 'the outage is read back from the vendors\' history, one window per vendor');
    deps.onGaps?.();
  }
  const watch = createSequenceWatch({ graceMs: config.gaps.sequenceGraceMs, marks: store.marks() });
  const seen = createSeenWatch();
  let forgotAt = -Infinity;
  const note = (all = false): Promise<void> => {
    const now = clock();
    const { marks, gaps } = watch.take(now, all);
    const forget = now - forgotAt >= forgetEveryMs ? (forgotAt = now) - config.gaps.seenRetentionMs : undefined;
    return store.alive(now, marks, gaps, seen.take(), forget).then((recorded) => {
      if (recorded.length === 0) return;
      metrics.gapsDetected('sequence', recorded.length);
      deps.onGaps?.();
      logger.warn({ gaps: recorded.map((g) => ({ gid: g.gid, group: g.conversation, fromSeq: g.fromSeq, untilSeq: g.untilSeq })) }, 'Tencent group message numbers never arrived: recorded as gaps');
    });
  };
  let noting = false;
  const ticker = setInterval(() => {
    if (noting) return;
    noting = true;
    note()
      .catch((error: unknown) => logger.warn({ err: error }, 'the alive note could not be written'))
      .finally(() => (noting = false));
  }, config.gaps.aliveIntervalMs);
  ticker.unref();
  // Queued before the spool closes (stops run newest first); the spool's close commits it.
  deps.stops.add('alive note', () => {
    clearInterval(ticker);
    void note(true).catch(() => undefined);
  });
  return (event) => {
    const now = clock();
    watch.observe(event, now);
    seen.observe(event, now);
  };
}
