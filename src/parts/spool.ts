import type { Logger } from 'pino';
import { sinkName, type Config } from '../config';
import type { Metrics } from '../metrics';
import { sinkAccepts } from '../pipeline/routing';
import { lockSpool, openSpool, type Spool } from '../pipeline/spool';
import type { AckMode } from './ack-mode';
import type { Stops } from './stops';

/**
 * The one place the service opens its spool: the lock (one process per DATA_DIR: a second gateway, or
 * the CLI, stops at it), the open with its integrity check, and their stop steps. WAL checkpoints run
 * on their own thread unless `backgroundCheckpoints` is false (the test app's small, short-lived
 * spools, where starting and stopping a thread per app would cost more than the checkpoints).
 */
export function openServiceSpool(config: Config, mode: AckMode, deps: { metrics: Metrics; logger: Logger; stops: Stops; backgroundCheckpoints?: boolean; freeBytes?: () => number | undefined }): Spool {
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
