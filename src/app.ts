import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { CallbackError } from './errors';
import { callbackRouter } from './http/callback-route';
import type { ClientLimit } from './http/client-limit';
import { requestContext } from './http/context';
import { errorHandler } from './http/error-handler';
import { opsRouter, type ReadinessCheck } from './http/ops-routes';
import { createRateLimiter, type RateLimiter } from './http/rate-limit';
import type { Metrics } from './metrics';
import type { Accept } from './pipeline/accept';
import type { Refusal } from './pipeline/pressure';
import type { Vendor } from './vendors/vendor';

export interface AppDeps {
  /** Configured vendors; each gets `POST /<name>/callback`. */
  readonly vendors: readonly Vendor[];
  /** Known vendors that are not configured: their path answers 404 with the hint. */
  readonly inactiveVendors?: readonly { readonly name: string; readonly hint: string }[];
  /** Commits an intake to the pipeline (`pipeline/accept.ts`). */
  readonly accept: Accept;
  readonly maxBodyBytes: number;
  readonly metrics: Metrics;
  readonly registry: Registry;
  readonly logger: Logger;
  /** Milliseconds since the epoch; injected so tests control signature freshness. */
  readonly clock: () => number;
  readonly readiness: readonly ReadinessCheck[];
  /** Why new callbacks cannot be accepted now (a spool bound), or undefined. */
  readonly overloaded?: () => Refusal | undefined;
  /** Ingest rate limit per vendor, callbacks per second; 0 or absent = none. */
  readonly ratePerSecond?: number;
  /** Per-client fairness (requests through a trusted proxy are limited per forwarded address). */
  readonly clientLimit?: ClientLimit;
}

/** Builds the Express app. No environment, no listening, no globals: the entry point does those. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('etag');
  app.disable('x-powered-by');
  app.use(helmet());
  app.use(requestContext(deps.logger));
  app.use(opsRouter({ registry: deps.registry, readiness: deps.readiness }));
  const limiters = new Map<string, RateLimiter>(deps.vendors.map((vendor) => [vendor.name, createRateLimiter(deps.ratePerSecond ?? 0, deps.clock)]));
  app.use(
    callbackRouter({
      vendors: deps.vendors,
      inactive: deps.inactiveVendors,
      accept: deps.accept,
      rateLimiterFor: (vendor) => limiters.get(vendor) ?? createRateLimiter(0),
      overloaded: deps.overloaded ?? (() => undefined),
      maxBodyBytes: deps.maxBodyBytes,
      metrics: deps.metrics,
      clock: deps.clock,
      clientLimit: deps.clientLimit,
    }),
  );
  app.use(function notFound() {
    throw new CallbackError('not_found');
  });
  app.use(errorHandler(deps.metrics));
  return app;
}
