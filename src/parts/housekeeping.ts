import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Config } from '../config';
import type { SpoolPressure } from '../pipeline/pressure';
import type { Spool } from '../pipeline/spool';
import { createTrafficSummary, readTraffic } from '../traffic-summary';
import type { AckMode } from './ack-mode';
import type { Stops } from './stops';

/**
 * Retention (every minute, one pass at a time), the periodic traffic summary in the log and, in direct
 * mode, the count bound of the in-memory spool.
 */
export function startHousekeeping(
  config: Config,
  mode: AckMode,
  deps: { spool: Spool; pressure: SpoolPressure; registry: Registry; logger: Logger; clock: () => number; stops: Stops },
): void {
  const { spool, logger, clock } = deps;
  if (config.logSummaryIntervalMs > 0) {
    const summary = createTrafficSummary({ intervalMs: config.logSummaryIntervalMs, clock, read: () => readTraffic(deps.registry, deps.pressure.snapshot()), log: (fields, message) => logger.info(fields, message) });
    const ticker = setInterval(() => void summary.tick().catch((error: unknown) => logger.warn({ err: error }, 'traffic summary failed')), 1000);
    ticker.unref();
    deps.stops.add('traffic summary', () => clearInterval(ticker));
  }
  let pruning = false;
  const prune = setInterval(() => {
    if (pruning) return;
    pruning = true;
    spool
      .pruneAll(clock() - mode.retentionMs)
      .then(() => spool.pruneQuarantine(clock() - config.quarantine.retentionMs))
      .catch((error: unknown) => logger.warn({ err: error }, 'spool pruning failed'))
      .finally(() => (pruning = false));
  }, 60_000);
  prune.unref();
  deps.stops.add('retention', () => clearInterval(prune));
  const maxEvents = mode.maxEvents;
  if (maxEvents === undefined) return;
  // Direct mode: the in-memory spool holds only events for optional sinks (ids alone are in recentIds);
  // it is bounded by count too, so a busy app cannot fill the pod's memory within the 10 minutes.
  const trim = setInterval(() => {
    spool.trimTo(maxEvents).catch((error: unknown) => logger.warn({ err: error }, 'trimming the direct-mode id store failed'));
  }, 1000);
  trim.unref();
  deps.stops.add('direct-mode trim', () => clearInterval(trim));
}
