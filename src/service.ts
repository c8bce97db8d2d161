import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { createApp } from './app';
import { sinkName, type Config } from './config';
import { createMetrics } from './metrics';
import { createDispatcher } from './pipeline/dispatcher';
import { openSpool } from './pipeline/spool';
import { matchesRoute } from './pipeline/routing';
import type { Event } from './events/event';
import { buildSinks } from './sinks/registry';
import type { Sink } from './sinks/sink';

export interface RunningService {
  readonly server: Server;
  readonly port: number;
  readonly registry: Registry;
  readonly sinks: readonly Sink[];
  /** Graceful stop: not ready, finish in-flight requests, stop dispatch, close sinks and the spool. */
  stop(): Promise<void>;
}

/** Opens the spool, builds the sinks, starts the dispatcher and listens. */
export async function startService(config: Config, logger: Logger, clock: () => number = Date.now): Promise<RunningService> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const names = config.sinks.map(sinkName);
  const metrics = createMetrics(registry, names);
  const routes = config.sinks.map((sink) => ({ name: sinkName(sink), accepts: (event: Event) => matchesRoute(sink.filter, event) }));
  const spool = openSpool({ path: join(config.dataDir, 'spool.db'), sinks: routes });
  metrics.watchSpool(spool, clock);
  const sinks = await buildSinks(config.sinks, { dataDir: config.dataDir }).catch((error: unknown) => {
    spool.close();
    throw error;
  });
  const lanes = config.sinks.map((settings, i) => ({ ...settings, sink: sinks[i] as Sink }));
  const dispatcher = createDispatcher({ spool, lanes, metrics, logger, clock });
  dispatcher.start();

  let draining = false;
  const app = createApp({
    tencent: config.tencent,
    maxBodyBytes: config.maxBodyBytes,
    spool,
    metrics,
    registry,
    logger,
    clock,
    readiness: [() => (draining ? 'shutting down' : undefined), () => (spool.healthy ? undefined : 'the spool cannot commit')],
  });
  // Tencent reuses connections: keep idle ones longer than the usual 60 s load-balancer idle timeout;
  // bound how long a client may take to send headers and a whole request.
  const server = createServer({ keepAliveTimeout: 65_000, headersTimeout: 20_000, requestTimeout: 30_000 }, app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: config.port, host: config.host }, resolve);
  });
  const prune = setInterval(() => {
    spool.prune(clock() - config.retentionMs).catch((error: unknown) => logger.warn({ err: error }, 'spool pruning failed'));
  }, 60_000);
  prune.unref();

  let stopping: Promise<void> | undefined;
  return {
    server,
    port: (server.address() as AddressInfo).port,
    registry,
    sinks,
    stop() {
      stopping ??= (async () => {
        draining = true;
        clearInterval(prune);
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await closed;
        await dispatcher.stop();
        await Promise.allSettled(sinks.map((sink) => sink.close()));
        spool.close();
      })();
      return stopping;
    },
  };
}
