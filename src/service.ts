import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { createApp } from './app';
import { drainableServer } from './drain';
import { sinkName, type Config } from './config';
import type { ReadinessCheck } from './http/ops-routes';
import { createClientLimit } from './http/client-limit';
import { createMetrics } from './metrics';
import { createAcceptor } from './pipeline/accept';
import { createRecentIds } from './pipeline/recent-ids';
import { createDirectDelivery } from './pipeline/direct';
import { createDispatcher } from './pipeline/dispatcher';
import { createSpoolPressure } from './pipeline/pressure';
import { sinkAccepts } from './pipeline/routing';
import { lockSpool, openSpool } from './pipeline/spool';
import { collectProcessMetrics } from './process-metrics';
import { createSinkHealth, healthProblem } from './sinks/health';
import { buildSinks } from './sinks/registry';
import type { Sink } from './sinks/sink';
import { buildVendors } from './vendors/registry';

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
  const direct = config.ackMode === 'direct';
  const registry = new Registry();
  collectProcessMetrics(registry);
  const metrics = createMetrics(registry, config.sinks.map(sinkName));
  const spoolPath = direct ? ':memory:' : join(config.dataDir, 'spool.db');
  // In direct mode the required sinks are written before the reply; only the others go through the spool.
  const spooled = config.sinks.filter((sink) => !direct || !sink.required);
  // One process per spool: a second gateway on this DATA_DIR stops here with a clear error.
  const lock = direct ? undefined : lockSpool(spoolPath);
  const checkStarted = Date.now();
  let spool: ReturnType<typeof openSpool>;
  try {
    spool = openSpool({
      path: spoolPath,
      sinks: spooled.map((sink) => ({ name: sinkName(sink), accepts: sinkAccepts(sink) })),
      quarantine: config.quarantine,
      verify: !direct,
      commitWindowMs: config.spoolCommitWindowMs,
      onQuarantineDropped: (dropped) => metrics.quarantineDropped(dropped),
      backgroundCheckpoints: { onError: (error) => logger.warn({ err: error }, 'background WAL checkpoint failed; the spool falls back to checkpoints inside commits') },
    });
  } catch (error) {
    lock?.release();
    throw error;
  }
  const damage = spool.damage();
  if (damage) logger.error({ spool: spoolPath, damage }, 'the spool is damaged: not ready, callbacks refused (docs/runbooks.md: the spool is damaged)');
  else if (!direct) logger.info({ spool: spoolPath, ms: Date.now() - checkStarted }, 'spool integrity checked');
  const sinks = await buildSinks(config.sinks, { dataDir: config.dataDir, clock, relayKeys: config.relayKeys, logger }).catch(async (error: unknown) => {
    await spool.stopCheckpoints();
    spool.close();
    lock?.release();
    throw error;
  });
  // Unreachable sinks are named at start and in /readyz. The first checks run while the service starts
  // and are awaited before it reports started (each is bounded); a failed one never prevents the start.
  const health = createSinkHealth({ sinks, logger, clock });
  const firstChecks = health.start();
  metrics.watchSinkHealth(health.unreachable);
  metrics.watchRelayJournals(() => sinks.flatMap((sink) => (sink.journalBytes ? [{ sink: sink.name, bytes: sink.journalBytes() }] : [])));
  const lanes = config.sinks.map((settings, i) => ({ ...settings, sink: health.observe(sinks[i] as Sink), accepts: sinkAccepts(settings) }));
  const dispatcher = createDispatcher({ spool, lanes: lanes.filter((lane) => !direct || !lane.required), metrics, logger, clock });
  dispatcher.start();
  metrics.watchCircuits(() => dispatcher.openCircuits());
  const pressure = createSpoolPressure({
    spool,
    limits: direct ? { ...config.spoolLimits, maxBytes: 0 } : config.spoolLimits,
    clock,
    onRelief: (relief) => {
      metrics.spoolRelieved(relief);
      const historySeconds = relief.historyFrom === undefined ? 0 : Math.round((clock() - relief.historyFrom) / 1000);
      logger.warn(
        { removed: relief.removed, historySeconds, exhausted: relief.exhausted, maxBytes: config.spoolLimits.maxBytes },
        relief.exhausted
          ? 'spool near SPOOL_MAX_BYTES with no delivered history left to prune: the rest is undelivered'
          : 'spool near SPOOL_MAX_BYTES: pruned delivered events early; de-duplication and replay now reach back historySeconds',
      );
    },
  });
  metrics.watchSpool(pressure, clock);
  for (const orphan of pressure.snapshot().orphans) {
    logger.warn(
      { sink: orphan.sink, pending: orphan.pending },
      'events are pending for a sink that is no longer configured: they are not delivered and not counted toward the bounds (imgw pending drop|move)',
    );
  }

  let draining = false;
  const readiness: ReadinessCheck[] = [
    { level: 'blocking', check: () => (draining ? 'shutting down' : undefined) },
    { level: 'blocking', check: () => (spool.healthy ? undefined : 'the spool cannot commit') },
    { level: 'blocking', check: pressure.reason },
    {
      level: 'degraded',
      check: () => {
        const open = dispatcher.openCircuits().filter((c) => c.required);
        return open.length > 0 ? `circuit open for required sink(s): ${open.map((c) => c.sink).join(', ')}` : undefined;
      },
    },
    ...sinks.map((sink): ReadinessCheck => ({ level: 'degraded', check: () => healthProblem(sink.name, health.problem(sink.name)) })),
  ];
  metrics.watchReadiness(() => readiness.every((r) => r.level !== 'blocking' || r.check() === undefined));
  const vendors = buildVendors(config.vendors, { clock, relayKeys: config.relayKeys });
  const spooledAccepts = spooled.map((sink) => sinkAccepts(sink));
  const clientLimit = createClientLimit({ max: config.maxConnectionsPerClient, trustedProxies: config.trustedProxies });
  const app = createApp({
    vendors: vendors.active,
    inactiveVendors: vendors.inactive,
    accept: createAcceptor({
      spool,
      deliverNow: direct ? createDirectDelivery({ lanes, metrics, logger, clock }) : undefined,
      spoolWants: direct ? (event) => spooledAccepts.some((accepts) => accepts(event)) : undefined,
      recentIds: direct ? createRecentIds({ max: config.directDedupeIds, ttlMs: Math.min(config.retentionMs, 10 * 60_000), clock }) : undefined,
    }),
    maxBodyBytes: config.maxBodyBytes,
    metrics,
    registry,
    logger,
    clock,
    overloaded: pressure.refusal,
    ratePerSecond: config.ingestRateLimit,
    clientLimit,
    readiness,
  });
  // Tencent reuses connections: keep idle ones longer than the usual 60 s load-balancer idle timeout;
  // bound how long a client may take to send headers and a whole request.
  const server = createServer(
    {
      keepAliveTimeout: config.http.keepAliveTimeoutMs,
      headersTimeout: config.http.headersTimeoutMs,
      requestTimeout: config.http.requestTimeoutMs,
      // How often the header and request timeouts are enforced (Node's default is every 30 s).
      connectionsCheckingInterval: Math.min(1000, config.http.headersTimeoutMs),
    },
    app,
  );
  server.maxConnections = config.maxConnections;
  server.on('connection', (socket) => clientLimit.admit(socket));
  const drainable = drainableServer(server);
  // While draining, every reply asks the client to close its connection, so keep-alive clients let go.
  server.prependListener('request', (_req, res) => {
    if (draining) res.setHeader('Connection', 'close');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: config.port, host: config.host }, resolve);
  });
  // In direct mode the spool is in memory: keep ids only briefly (sinks de-duplicate by id themselves).
  const retentionMs = direct ? Math.min(config.retentionMs, 10 * 60_000) : config.retentionMs;
  let pruning = false;
  const prune = setInterval(() => {
    if (pruning) return;
    pruning = true;
    spool
      .pruneAll(clock() - retentionMs)
      .then(() => spool.pruneQuarantine(clock() - config.quarantine.retentionMs))
      .catch((error: unknown) => logger.warn({ err: error }, 'spool pruning failed'))
      .finally(() => (pruning = false));
  }, 60_000);
  prune.unref();
  // Direct mode: the in-memory spool holds only events for optional sinks (ids alone are in recentIds);
  // it is bounded by count too, so a busy app cannot fill the pod's memory within the 10 minutes.
  const trim = direct
    ? setInterval(() => {
        spool.trimTo(config.directDedupeIds).catch((error: unknown) => logger.warn({ err: error }, 'trimming the direct-mode id store failed'));
      }, 1000)
    : undefined;
  trim?.unref();

  await firstChecks;

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
        clearInterval(trim);
        pressure.stop();
        await drainable.drain();
        await dispatcher.stop();
        await health.stop();
        await Promise.allSettled(sinks.map((sink) => sink.close()));
        await spool.stopCheckpoints();
        spool.close();
        lock?.release();
      })();
      return stopping;
    },
  };
}
