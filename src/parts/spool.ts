import type { Logger } from 'pino';
import { sinkName, type Config } from '../config';
import type { Metrics } from '../metrics';
import { sinkAccepts } from '../pipeline/routing';
import { lockSpool, openSpool, type Spool } from '../pipeline/spool';
import type { AckMode } from './ack-mode';
import type { Stops } from './stops';
import { createDeriver } from '../vendors/derive';
import type { Vendor } from '../vendors/vendor';

/**
 * The one place the service opens its spool: the lock (one process per DATA_DIR: a second gateway, or
 * the CLI, stops at it), the open with its integrity check, and their stop steps. WAL checkpoints run
 * on their own thread unless `backgroundCheckpoints` is false (the test app's small, short-lived
 * spools, where starting and stopping a thread per app would cost more than the checkpoints).
 */
export function openServiceSpool(config: Config, mode: AckMode, deps: { metrics: Metrics; logger: Logger; stops: Stops; vendors?: readonly Vendor[]; backgroundCheckpoints?: boolean; freeBytes?: () => number | undefined }): Spool {
  const { logger } = deps;
  const lock = mode.onDisk ? lockSpool(mode.spoolPath) : undefined;
  if (lock) deps.stops.add('spool lock', () => lock.release());
  const checkStarted = Date.now();
  const spool = openSpool({
    path: mode.spoolPath,
    sinks: mode.spooled.map((sink) => ({ name: sinkName(sink), accepts: sinkAccepts(sink) })),
    quarantine: config.quarantine,
    verify: mode.onDisk,
    commitWindowMs: config.spoolCommitWindowMs,
    freeBytes: deps.freeBytes,
    onQuarantineDropped: (dropped) => deps.metrics.quarantineDropped(dropped),
    onFlush: (seconds) => deps.metrics.spoolFlushed(seconds),
    // Events the vendors' mappings made are stored as their body and origin and made again when read back.
    ...(deps.vendors && { derive: createDeriver(deps.vendors), onUnderivable: underivable(deps) }),
    backgroundCheckpoints: deps.backgroundCheckpoints === false ? undefined : { onError: (error) => logger.warn({ err: error }, 'background WAL checkpoint failed; the spool falls back to checkpoints inside commits') },
  });
  deps.stops.add('spool', async () => {
    await spool.stopCheckpoints();
    spool.close();
  });
  const damage = spool.damage();
  if (damage) logger.error({ spool: mode.spoolPath, damage }, 'the spool is damaged: not ready, callbacks refused (docs/runbooks.md: the spool is damaged)');
  else if (mode.onDisk) logger.info({ spool: mode.spoolPath, ms: Date.now() - checkStarted }, 'spool integrity checked');
  return spool;
}

/** Counts each stored event its vendor's mapping could not make again; warns once per vendor. */
function underivable(deps: { metrics: Metrics; logger: Logger }): (seq: number, vendor: string) => void {
  const warned = new Set<string>();
  return (seq, vendor) => {
    deps.metrics.spoolUnderivable(vendor);
    if (warned.has(vendor)) return;
    warned.add(vendor);
    deps.logger.warn({ vendor, seq }, `stored ${vendor} events cannot be made again by its mapping (is the vendor configured?): they are delivered as im.gateway.underivable`);
  };
}
