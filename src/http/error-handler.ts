import type { IncomingMessage, ServerResponse } from 'node:http';
import { failureReasons, retryAfterSeconds, toCallbackError } from '../errors';
import type { Metrics } from '../metrics';
import { acceptedEncodings } from './content-encoding';
import { send, sendJson } from './reply';
import { contextOf, elapsedSeconds, type RequestContext } from './context';

/**
 * The only place a reply is built from an error: classify, count, log, and let the vendor whose route
 * matched render it in its format. Reply bodies carry the catalogue's safe text (or the vendor's
 * precise one), never stack traces or raw validation output.
 */
export function renderFailure(res: ServerResponse, ctx: RequestContext, error: unknown, metrics: Metrics): void {
  const failure = toCallbackError(error);
  const { outcome, httpStatus } = failureReasons[failure.reason];
  const vendor = ctx.vendor;
  const fields = { vendor: vendor?.name, reason: failure.reason, info: failure.message, command: ctx.label, err: failure.cause ?? undefined };
  if (outcome === 'failed') ctx.log.error(fields, 'callback failed');
  else ctx.log.warn(fields, 'callback rejected');
  if (res.headersSent) return;
  // Not for 413: closing while the sender is still sending the body resets the connection, and the
  // sender may lose the 413 with it. Node reads and discards the rest (bounded by the request timeout).
  if (failure.reason === 'method_not_allowed') res.setHeader('Connection', 'close');
  if (failure.reason === 'method_not_allowed') res.setHeader('Allow', 'POST');
  if (failure.reason === 'encoding_not_accepted') res.setHeader('Accept-Encoding', acceptedEncodings);
  const retryAfter = retryAfterSeconds(failure.reason);
  if (retryAfter !== undefined) res.setHeader('Retry-After', String(retryAfter));
  if (!vendor) {
    sendJson(res, httpStatus, { error: failure.message }, ctx.baseHeaders);
    return;
  }
  metrics.callbackError(vendor.name, failure.reason);
  metrics.callbackHandled(vendor.name, ctx.label ?? 'other', outcome, elapsedSeconds(ctx));
  send(res, vendor.reply({ kind: 'failed', reason: failure.reason, info: failure.message, retryAfterSeconds: retryAfter }, ctx.head), ctx.baseHeaders);
}

/** The Express error middleware: every failure of the routes Express serves goes through {@link renderFailure}. */
export function errorHandler(metrics: Metrics) {
  return function renderError(error: unknown, _req: IncomingMessage, res: ServerResponse, _next: () => void): void {
    renderFailure(res, contextOf(res), error, metrics);
  };
}
