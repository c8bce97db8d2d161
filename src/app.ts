import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { CallbackError } from './errors';
import { requestContext } from './http/context';
import { errorHandler } from './http/error-handler';
import { opsRouter, type ReadinessCheck } from './http/ops-routes';
import { tencentRouter } from './http/tencent-route';
import { createRateLimiter, type RateLimiter } from './http/rate-limit';
import type { Metrics } from './metrics';
import type { Spool } from './pipeline/spool';
import type { Event } from './events/event';
import type { TencentSettings } from './vendors/tencent/intake';

export interface AppDeps {
  readonly tencent: TencentSettings;
  readonly maxBodyBytes: number;
  readonly spool: Spool;
  readonly metrics: Metrics;
  readonly registry: Registry;
  readonly logger: Logger;
  /** Milliseconds since the epoch; injected so tests control signature freshness. */
  readonly clock: () => number;
  readonly readiness: readonly ReadinessCheck[];
  /** Why new callbacks cannot be accepted now (a spool bound), or undefined. */
  readonly overloaded?: () => string | undefined;
  /** Ingest rate limit; none when absent. */
  readonly rateLimiter?: RateLimiter;
  /** `direct` ack mode: resolves once every required sink has the event. */
  readonly deliverNow?: (event: Event) => Promise<void>;
}

/** Builds the Express app. No environment, no listening, no globals: the entry point does those. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('etag');
  app.set('query parser', 'simple');
  app.use(helmet());
  app.use(requestContext(deps.logger));
  app.use(opsRouter({ registry: deps.registry, readiness: deps.readiness }));
  app.use(
    tencentRouter({
      settings: deps.tencent,
      overloaded: deps.overloaded ?? (() => undefined),
      rateLimiter: deps.rateLimiter ?? createRateLimiter(0),
      deliverNow: deps.deliverNow,
      maxBodyBytes: deps.maxBodyBytes,
      spool: deps.spool,
      metrics: deps.metrics,
      clock: deps.clock,
    }),
  );
  app.use(function notFound() {
    throw new CallbackError('not_found');
  });
  app.use(errorHandler(deps.metrics));
  return app;
}
