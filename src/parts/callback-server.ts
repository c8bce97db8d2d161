import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createApp } from '../app';
import type { Config } from '../config';
import { drainableServer } from '../drain';
import { createClientLimit } from '../http/client-limit';
import type { ReadinessCheck } from '../http/ops-routes';
import type { Metrics } from '../metrics';
import { createAcceptor, type Accept } from '../pipeline/accept';
import type { Event } from '../events/event';
import type { Spool } from '../pipeline/spool';
import { healthProblem } from '../sinks/health';
import type { BuiltVendors } from '../vendors/registry';
import type { AckMode } from './ack-mode';
import type { Pipeline } from './pipeline';
import type { Stops } from './stops';

interface CallbackServerDeps {
  readonly spool: Spool;
  readonly pipeline: Pipeline;
  readonly vendors: BuiltVendors;
  readonly metrics: Metrics;
  readonly registry: Registry;
  readonly logger: Logger;
  readonly clock: () => number;
  readonly stops: Stops;
  /** Sees every newly accepted event (the gap watch). */
  readonly observe?: (event: Event) => void;
}

/** What /readyz reports: blocking problems (503) and degraded ones (200). */
function readinessChecks(deps: CallbackServerDeps, draining: () => boolean): ReadinessCheck[] {
  const { spool, pipeline } = deps;
  return [
    { level: 'blocking', check: () => (draining() ? 'shutting down' : undefined) },
    { level: 'blocking', check: () => (spool.healthy ? undefined : spool.full ? 'the spool has no room for new events (disk full)' : 'the spool cannot commit') },
    { level: 'blocking', check: pipeline.pressure.reason },
    {
      level: 'degraded',
      check: () => {
        const open = pipeline.dispatcher.openCircuits().filter((c) => c.required);
        return open.length > 0 ? `circuit open for required sink(s): ${open.map((c) => c.sink).join(', ')}` : undefined;
      },
    },
    ...pipeline.sinks.map((sink): ReadinessCheck => ({ level: 'degraded', check: () => healthProblem(sink.name, pipeline.health.problem(sink.name)) })),
    ...pipeline.sinks.flatMap((sink): ReadinessCheck[] => {
      const fault = sink.fault?.bind(sink);
      return fault ? [{ level: 'degraded', check: () => sinkFault(sink.name, fault()) }] : [];
    }),
  ];
}

/** The `/readyz` entry of a sink with a lasting fault (only a restart clears it). */
function sinkFault(name: string, fault: string | undefined): string | undefined {
  return fault === undefined ? undefined : `sink ${name} needs a restart: ${fault}`;
}

/** Shows each newly accepted event to `observe` after its commit. */
function observed(accept: Accept, observe: ((event: Event) => void) | undefined): Accept {
  if (!observe) return accept;
  return async function observedAccept(intake, request) {
    const outcome = await accept(intake, request);
    if (outcome.kind === 'accepted' && intake.kind === 'event') observe(intake.event);
    return outcome;
  };
}

/**
 * The callback app over the pipeline, without a listener: the vendors' routes, the acceptor of the
 * ack mode, the rate and client limits, and /readyz (with `draining` among its checks). The listener
 * (`startCallbackServer`) serves it; the test app hands it to supertest.
 */
export function createCallbackApp(config: Config, mode: AckMode, deps: CallbackServerDeps, draining: () => boolean = () => false) {
  const { metrics, logger, clock } = deps;
  const readiness = readinessChecks(deps, draining);
  metrics.watchReadiness(() => readiness.every((r) => r.level !== 'blocking' || r.check() === undefined));
  const clientLimit = createClientLimit({ max: config.maxConnectionsPerClient, trustedProxies: config.trustedProxies });
  const app = createApp({
    vendors: deps.vendors.active,
    inactiveVendors: deps.vendors.inactive,
    accept: observed(createAcceptor({ spool: deps.spool, ...mode.acceptor(deps.pipeline.lanes, { metrics, logger, clock }), guard: deps.pipeline.guard }), deps.observe),
    maxBodyBytes: config.maxBodyBytes,
    metrics,
    registry: deps.registry,
    logger,
    clock,
    overloaded: deps.pipeline.pressure.refusal,
    ratePerSecond: config.ingestRateLimit,
    authFailureRate: config.authFailureRateLimit,
    clientLimit,
    readiness,
  });
  return { app, clientLimit };
}

/**
 * The callback listener (PORT): the app, its connection limits and its graceful drain, registered as
 * a stop step (not ready, finish in-flight requests, then the steps before it).
 */
export async function startCallbackServer(config: Config, mode: AckMode, deps: CallbackServerDeps): Promise<Server> {
  let draining = false;
  const { app, clientLimit } = createCallbackApp(config, mode, deps, () => draining);
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
  deps.stops.add('callback server', async () => {
    draining = true;
    await drainable.drain();
  });
  return server;
}
