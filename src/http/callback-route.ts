import express, { type Router } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import getRawBody from 'raw-body';
import type { Logger } from 'pino';
import { CallbackError } from '../errors';
import type { Metrics } from '../metrics';
import { PipelineUnavailable, type Accept } from '../pipeline/accept';
import type { Refusal } from '../pipeline/pressure';
import type { CallbackHead, Intake, Outcome, Vendor } from '../vendors/vendor';
import { beginRequest, contextOf, elapsedSeconds, type RequestContext } from './context';
import { admit, authenticated } from './admission';
import type { AuthFailureLimit } from './auth-failures';
import type { ClientLimit } from './client-limit';
import { decodeBody, withCoding } from './content-encoding';
import { renderFailure } from './error-handler';
import type { RateLimiter } from './rate-limit';
import { send } from './reply';

export interface CallbackRouteDeps {
  /** Configured vendors: `POST /<name>/callback` each. */
  readonly vendors: readonly Vendor[];
  /** Known vendors that are not configured: their path answers 404 with the hint. */
  readonly inactive?: readonly { readonly name: string; readonly hint: string }[];
  readonly accept: Accept;
  /** One bucket per vendor, so one vendor's flood never starves another. */
  readonly rateLimiterFor: (vendor: string) => RateLimiter;
  /** Why new callbacks cannot be accepted now (a spool bound or a damaged spool), or undefined. */
  readonly overloaded: () => Refusal | undefined;
  readonly maxBodyBytes: number;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly clock: () => number;
  readonly clientLimit?: ClientLimit;
  /** Failed authentications per client address; over budget, body-authenticated callbacks are refused before the body is read. */
  readonly authFailures: AuthFailureLimit;
  /** Headers every reply carries (helmet's, computed once). */
  readonly replyHeaders?: readonly string[];
}

interface Route {
  readonly vendor: Vendor;
  readonly limiter: RateLimiter;
}

/**
 * `POST /<vendor>/callback` for every vendor, one handler for all (DESIGN.md decision 11): the vendor
 * authenticates (from the head before the body is read, or over the raw bytes after it), the vendor's
 * rate limit is taken only from authenticated requests, cheap refusals come before the body is read, at most `maxBodyBytes` are read, the vendor
 * maps the body, the pipeline commits or quarantines it, and the vendor renders the reply, which is
 * sent only after the commit. Failures go to {@link renderFailure}, which the vendor renders too.
 *
 * The callback is the hot path, so it is served straight from the HTTP server's request event:
 * {@link callbackHandler} takes a `POST` to an exact callback path before Express sees the request
 * (no router walk, no middleware chain, helmet's headers precomputed); everything else, and any
 * spelling of a callback path that only Express's matching accepts, goes to {@link callbackRouter}.
 */
export function callbackHandler(deps: CallbackRouteDeps): (req: IncomingMessage, res: ServerResponse) => boolean {
  const routes = new Map<string, Route>(deps.vendors.map((vendor) => [`/${vendor.name}/callback`, { vendor, limiter: deps.rateLimiterFor(vendor.name) }]));
  const replyHeaders = deps.replyHeaders ?? [];
  return function takeCallback(req, res) {
    if (req.method !== 'POST') return false;
    const url = req.url ?? '';
    const mark = url.indexOf('?');
    const route = routes.get(mark === -1 ? url : url.slice(0, mark));
    if (!route) return false;
    const ctx = beginRequest(req, res, deps.logger, replyHeaders);
    handleCallback(deps, route, req, res, ctx).catch((error: unknown) => renderFailure(res, ctx, error, deps.metrics));
    return true;
  };
}

/** The same callbacks inside Express (after helmet and the request context), for the paths the fast match left. */
export function callbackRouter(deps: CallbackRouteDeps): Router {
  const router = express.Router();
  for (const vendor of deps.vendors) {
    const path = `/${vendor.name}/callback`;
    const route = { vendor, limiter: deps.rateLimiterFor(vendor.name) };
    router.post(path, function vendorCallback(req, res) {
      return handleCallback(deps, route, req, res, contextOf(res));
    });
    router.all(path, function wrongMethod(req, res) {
      begin(contextOf(res), vendor, req);
      throw new CallbackError('method_not_allowed');
    });
  }
  for (const { name, hint } of deps.inactive ?? []) {
    router.all(`/${name}/callback`, function notConfigured() {
      throw new CallbackError('not_found', hint);
    });
  }
  return router;
}

async function handleCallback(deps: CallbackRouteDeps, route: Route, req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void> {
  const { vendor, limiter } = route;
  begin(ctx, vendor, req);
  const head = ctx.head as CallbackHead;
  const { coding, client, admission } = admit(deps, vendor, limiter, req, res, head);
  const wire = await getRawBody(req, { limit: deps.maxBodyBytes, length: req.headers['content-length'] });
  const receivedAt = deps.clock();
  const decoded = decodeBody(wire, coding, deps.maxBodyBytes);
  const body = decoded.ok ? decoded.body : wire;
  if (vendor.authenticates === 'body') {
    authenticated(deps.authFailures, client, admission, () => vendor.authenticate(head, body, receivedAt));
    if (!limiter.take()) throw new CallbackError('rate_limited');
  }
  const intake: Intake = decoded.ok
    ? vendor.toEvent(head, body, receivedAt)
    : { kind: 'invalid', label: ctx.label ?? 'other', reason: 'unsupported_encoding', detail: decoded.detail };
  ctx.label = intake.label;
  // A body kept as it came on the wire keeps its coding too, so a redrive (after MAX_BODY_BYTES is raised) can decode it.
  const storedHead = () => (decoded.ok || coding === undefined ? vendor.storedHead(head) : withCoding(vendor.storedHead(head), coding));
  const outcome = await deps.accept(intake, { vendor: vendor.name, head: storedHead, body, receivedAt }).catch(asCallbackError);
  observe(deps.metrics, ctx, vendor, intake, outcome);
  send(res, vendor.reply(outcome, head), ctx.baseHeaders);
}

function begin(ctx: RequestContext, vendor: Vendor, req: IncomingMessage): void {
  const head = headOf(req);
  ctx.vendor = vendor;
  ctx.head = head;
  ctx.label = vendor.label(head);
}

/** The query (names as sent) and the headers (lower-case names, repeated ones joined) of a request. */
function headOf(req: IncomingMessage): CallbackHead {
  const url = req.url ?? '';
  const mark = url.indexOf('?');
  const query = new URLSearchParams(mark === -1 ? '' : url.slice(mark + 1));
  const headers: Record<string, string | undefined> = {};
  for (const name in req.headers) {
    const value = req.headers[name];
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return { query, headers };
}

/** Records the outcome of a handled callback; failures are recorded by the error handler. */
function observe(metrics: Metrics, ctx: RequestContext, vendor: Vendor, intake: Intake, outcome: Outcome): void {
  const label = intake.label;
  if (intake.kind === 'event') {
    if (outcome.kind === 'accepted') metrics.messageAccepted(vendor.name, intake.facts);
    ctx.debug({ command: label, eventId: intake.event.attributes.id, outcome: outcome.kind }, 'callback stored');
  } else if (intake.kind === 'invalid') {
    metrics.callbackError(vendor.name, intake.reason);
    ctx.log.warn({ command: label, reason: intake.reason, detail: intake.detail }, 'callback quarantined');
  } else {
    metrics.callbackIgnored(vendor.name, intake.why);
    ctx.debug({ command: label, why: intake.why }, 'callback ignored');
  }
  metrics.callbackHandled(vendor.name, label, outcome.kind === 'failed' ? 'failed' : outcome.kind, elapsedSeconds(ctx));
}

/** The pipeline's failures in the catalogue's words (never a raw storage error to the caller). */
function asCallbackError(error: unknown): never {
  if (error instanceof PipelineUnavailable) {
    throw error.part === 'spool'
      ? new CallbackError('spool_unavailable', undefined, { cause: error.cause ?? error })
      : new CallbackError('sink_unavailable', error.message, { cause: error });
  }
  throw error;
}
