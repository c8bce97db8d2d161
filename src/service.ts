import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { sinkName, type Config } from './config';
import { createMetrics } from './metrics';
import { sinkAccepts } from './pipeline/routing';
import { ackMode } from './parts/ack-mode';
import { startAdminListener } from './parts/admin';
import { startCallbackServer } from './parts/callback-server';
import { windowRequests } from './backfill/window-requests';
import { startBackfill } from './parts/backfill';
import { backfillQuotas } from './parts/backfill-quotas';
import { historyFileApi } from './backfill/easemob/fill-hours';
import { startEasemobHours } from './parts/easemob-hours';
import { startGapWatch } from './parts/gaps';
import { startHousekeeping } from './parts/housekeeping';
import { startPipeline } from './parts/pipeline';
import { openServiceSpool } from './parts/spool';
import { createStops } from './parts/stops';
import { collectProcessMetrics } from './process-metrics';
import type { NewGap } from './pipeline/spool/gaps';
import type { Sink } from './sinks/sink';
import { buildVendors } from './vendors/registry';
import { steadyHeap, type FillHeap } from './heap';

export interface RunningService {
  readonly server: Server;
  readonly port: number;
  /** The admin API's address (its own listener). */
  readonly adminUrl: string;
  readonly registry: Registry;
  readonly sinks: readonly Sink[];
  /** Graceful stop: not ready, finish in-flight requests, stop dispatch, close sinks and the spool. */
  stop(): Promise<void>;
}

/**
 * Starts the service from its parts, each of which registers its own stop step: the spool (locked),
 * the pipeline (sinks, dispatcher, bounds), the admin listener, housekeeping, and last the callback
 * listener (so a stop drains it first). A part that fails to start stops the ones before it.
 */
export async function startService(config: Config, logger: Logger, clock: () => number = Date.now, heap: FillHeap = steadyHeap): Promise<RunningService> {
  const mode = ackMode(config);
  const registry = new Registry();
  collectProcessMetrics(registry);
  const metrics = createMetrics(registry, config.sinks.map(sinkName));
  const stops = createStops();
  const stop = () => stops.run((step, error) => logger.warn({ err: error, step }, 'a stop step failed'));
  try {
    const vendors = buildVendors(config.vendors, { clock, relayKeys: config.relayKeys });
    const spool = openServiceSpool(config, mode, { metrics, logger, stops, vendors: vendors.active });
    const pipeline = await startPipeline(config, mode, { spool, metrics, logger, clock, stops });
    const quotas = backfillQuotas(config.backfill.quotas, { logger, clock, stops });
    const easemobWindows = startEasemobHours(config, { spool, vendors: vendors.active, metrics, logger, clock, stops, quotas, heap });
    const backfill = startBackfill(config, { spool, vendors: vendors.active, metrics, logger, clock, stops, quotas, heap }, new Map(easemobWindows ? [['easemob', { api: historyFileApi, filler: easemobWindows.filler, wholeApp: true }]] : []));
    const spooled = mode.spooled.map((sink) => ({ name: sinkName(sink), accepts: sinkAccepts(sink) }));
    const admin = await startAdminListener(config, {
      store: spool.adminStore,
      gaps: { list: spool.gaps.list, get: spool.gaps.get, settleOpen: spool.gaps.settleOpen, ...(backfill && { record: (gap: NewGap) => spool.gaps.record(gap, clock()).finally(backfill) }) },
      ...(backfill && { windows: windowRequests(config, spool.gaps, clock, backfill, new Map(easemobWindows ? [['easemob', easemobWindows.count]] : [])) }),
      sinks: spooled.map((sink) => sink.name),
      dispatcher: pipeline.dispatcher,
      guard: pipeline.guard,
      vendors: vendors.active,
      registry,
      logger,
      clock,
      stops,
      dataDir: mode.onDisk ? config.dataDir : undefined,
    });
    startHousekeeping(config, mode, { spool, pressure: pipeline.pressure, registry, logger, clock, stops });
    const observe = await startGapWatch(config, { spool, metrics, logger, clock, stops, onGaps: backfill });
    const server = await startCallbackServer(config, mode, { spool, pipeline, vendors, metrics, registry, logger, clock, stops, observe });
    await pipeline.firstChecks;
    return { server, port: (server.address() as AddressInfo).port, adminUrl: admin.url, registry, sinks: pipeline.sinks, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
