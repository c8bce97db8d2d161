import express from 'express';
import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { CallbackError } from './errors';
import { callbackHandler, callbackRouter, type CallbackRouteDeps } from './http/callback-route';
import { createAuthFailureLimit } from './http/auth-failures';
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
  /** Failed authentications per second allowed per client address (`AUTH_FAILURE_RATE_LIMIT`); 0 or absent = none. */
  readonly authFailureRate?: number;
}

/** The app: what the HTTP server calls for every request. */
export type App = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Builds the app. No environment, no listening, no globals: the entry point does those. Callbacks to
 * an exact vendor path are taken before Express (`callbackHandler`); every other request goes through
 * Express: helmet, the request context, `/healthz` `/readyz` `/metrics`, the same callback routes for
 * the spellings Express's matching also accepts, 405/404, and the error handler.
 */
export function createApp(deps: AppDeps): App {
  const limiters = new Map<string, RateLimiter>(deps.vendors.map((vendor) => [vendor.name, createRateLimiter(deps.ratePerSecond ?? 0, deps.clock)]));
  const security = helmet();
  const routes: CallbackRouteDeps = {
    vendors: deps.vendors,
    inactive: deps.inactiveVendors,
    accept: deps.accept,
    rateLimiterFor: (vendor) => limiters.get(vendor) ?? createRateLimiter(0),
    overloaded: deps.overloaded ?? (() => undefined),
    maxBodyBytes: deps.maxBodyBytes,
    metrics: deps.metrics,
    logger: deps.logger,
    clock: deps.clock,
    clientLimit: deps.clientLimit,
    authFailures: createAuthFailureLimit(deps.authFailureRate ?? 0, deps.clock),
    replyHeaders: headersOf(security),
  };
  const app = express();
  app.disable('etag');
  app.disable('x-powered-by');
  app.use(security);
  app.use(requestContext(deps.logger));
  app.use(opsRouter({ registry: deps.registry, readiness: deps.readiness }));
  app.use(callbackRouter(routes));
  app.use(function notFound() {
    throw new CallbackError('not_found');
  });
  app.use(errorHandler(deps.metrics));
  const takeCallback = callbackHandler(routes);
  return function gateway(req, res) {
    if (!takeCallback(req, res)) app(req, res);
  };
}

/** The headers a middleware that only sets headers (helmet) sets, recorded once so the fast path can set them without running it. */
function headersOf(middleware: (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void): string[] {
  const headers = new Map<string, string>();
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers.set(name, String(value));
      return recorder;
    },
    removeHeader(name: string) {
      headers.delete(name);
    },
  };
  let done = false;
  middleware({ headers: {}, method: 'POST', url: '/' } as IncomingMessage, recorder as unknown as ServerResponse, () => {
    done = true;
  });
  if (!done) throw new Error('a header middleware did not finish synchronously');
  return [...headers].flat();
}
