import type { NextFunction, Request, Response } from 'express';
import { failureReasons, toCallbackError } from '../errors';
import type { Metrics } from '../metrics';
import { commandLabel } from '../vendors/tencent/commands';
import { replyFor } from '../vendors/tencent/reply';
import { contextOf, elapsedSeconds } from './context';

/**
 * The only place a reply is built from an error: classify, count, log, render in the vendor's
 * format. Reply bodies carry the catalogue's safe text, never stack traces or raw validation output.
 */
export function errorHandler(metrics: Metrics) {
  return function renderError(error: unknown, _req: Request, res: Response, _next: NextFunction): void {
    const ctx = contextOf(res);
    const failure = toCallbackError(error);
    const { outcome, httpStatus } = failureReasons[failure.reason];
    const fields = { reason: failure.reason, info: failure.message, command: ctx.command, err: failure.cause ?? undefined };
    if (outcome === 'failed') ctx.log.error(fields, 'callback failed');
    else ctx.log.warn(fields, 'callback rejected');
    if (res.headersSent) return;
    if (ctx.vendor !== 'tencent') {
      res.status(httpStatus).json({ error: failure.message });
      return;
    }
    metrics.callbackError('tencent', failure.reason);
    metrics.callbackHandled('tencent', commandLabel(ctx.command), outcome, elapsedSeconds(ctx));
    const reply = replyFor(failure.reason, failure.message, ctx.command);
    if (failure.reason === 'payload_too_large' || failure.reason === 'method_not_allowed') res.setHeader('Connection', 'close');
    if (failure.reason === 'method_not_allowed') res.setHeader('Allow', 'POST');
    const entry = failureReasons[failure.reason];
    if ('retryAfterSeconds' in entry) res.setHeader('Retry-After', String(entry.retryAfterSeconds));
    res.status(reply.httpStatus).json(reply.body);
  };
}
