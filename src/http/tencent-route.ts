import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { CallbackError, type QuarantineReason } from '../errors';
import type { CallbackOutcome, Metrics } from '../metrics';
import type { Spool } from '../pipeline/spool';
import type { Event } from '../events/event';
import { commandLabel } from '../vendors/tencent/commands';
import { admitTencentRequest, parseTencentBody, type TencentSettings } from '../vendors/tencent/intake';
import type { TencentQuery } from '../vendors/tencent/query';
import { ok, type TencentReply } from '../vendors/tencent/reply';
import { tencentEvent } from '../vendors/tencent/to-event';
import { contextOf, elapsedSeconds } from './context';
import type { RateLimiter } from './rate-limit';

export interface TencentRouteDeps {
  readonly settings: TencentSettings;
  /** Why new callbacks cannot be accepted now (a spool bound), or undefined. */
  readonly overloaded: () => string | undefined;
  readonly rateLimiter: RateLimiter;
  /** `direct` ack mode: resolves once every required sink has the event, else throws. */
  readonly deliverNow?: (event: Event) => Promise<void>;
  readonly maxBodyBytes: number;
  readonly spool: Spool;
  readonly metrics: Metrics;
  readonly clock: () => number;
}

/**
 * `POST /tencent/callback`: admit (query, app, Sign) before reading the body, read at most
 * `maxBodyBytes`, then either commit the event to the spool or quarantine the raw request, and reply
 * only after the commit. Failures are thrown to the error handler, which renders them.
 */
export function tencentRouter(deps: TencentRouteDeps): Router {
  const router = express.Router();
  const readBody = express.raw({ type: () => true, limit: deps.maxBodyBytes });
  const inFlight = new Map<string, Promise<void>>();

  router.post('/tencent/callback', admit(deps), readBody, async function tencentCallbackRoute(req: Request, res: Response) {
    const ctx = contextOf(res);
    const query = res.locals.tencentQuery as TencentQuery;
    const receivedAt = deps.clock();
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const parsed = parseTencentBody(raw, query);
    if (!parsed.ok) {
      await quarantine(deps, req, query, parsed.reason, parsed.detail, raw, receivedAt);
      ctx.log.warn({ command: query.command, reason: parsed.reason, detail: parsed.detail }, 'callback quarantined');
      deps.metrics.callbackError('tencent', parsed.reason);
      return reply(res, deps.metrics, 'quarantined', ok(`quarantined: ${parsed.detail}`));
    }
    const { event, facts } = tencentEvent(query, parsed.body, parsed.text, receivedAt);
    const outcome = await deps.spool.append(event, receivedAt).catch((error: unknown) => {
      throw new CallbackError('spool_unavailable', undefined, { cause: error });
    });
    if (deps.deliverNow) await directDelivery(deps, inFlight, event, outcome);
    if (outcome === 'accepted') deps.metrics.messageAccepted('tencent', facts);
    ctx.log.debug({ command: query.command, eventId: event.attributes.id, outcome }, 'callback stored');
    return reply(res, deps.metrics, outcome, ok(outcome === 'duplicate' ? 'duplicate: already received' : ''));
  });

  router.all('/tencent/callback', function tencentWrongMethod(_req: Request, res: Response) {
    contextOf(res).vendor = 'tencent';
    throw new CallbackError('method_not_allowed');
  });
  return router;
}

function admit(deps: TencentRouteDeps) {
  return function admitTencentCallback(req: Request, res: Response, next: NextFunction): void {
    const ctx = contextOf(res);
    ctx.vendor = 'tencent';
    const params = new URLSearchParams(req.originalUrl.split('?')[1] ?? '');
    ctx.command = [...params].find(([key]) => key.toLowerCase() === 'callbackcommand')?.[1];
    const query = admitTencentRequest(params, deps.settings, deps.clock());
    ctx.command = query.command;
    res.locals.tencentQuery = query;
    if (!deps.rateLimiter.take()) throw new CallbackError('rate_limited');
    const overloaded = deps.overloaded();
    if (overloaded) throw new CallbackError('spool_full', `${overloaded}; retry later`);
    next();
  };
}

/**
 * `direct` mode: a new event is written to the required sinks before the reply; if that fails it is
 * forgotten (so a resend is not a duplicate) and the failure is thrown. A copy arriving meanwhile
 * waits for the first one's outcome instead of being answered OK too early.
 */
async function directDelivery(deps: TencentRouteDeps, inFlight: Map<string, Promise<void>>, event: Event, outcome: 'accepted' | 'duplicate') {
  const id = event.attributes.id;
  if (outcome === 'duplicate') return inFlight.get(id);
  const delivery = (deps.deliverNow as (event: Event) => Promise<void>)(event).catch(async (error: unknown) => {
    await deps.spool.forget(id);
    throw error;
  });
  inFlight.set(id, delivery);
  try {
    await delivery;
  } finally {
    inFlight.delete(id);
  }
}

async function quarantine(
  deps: TencentRouteDeps,
  req: Request,
  query: TencentQuery,
  reason: QuarantineReason,
  detail: string,
  body: Buffer,
  receivedAt: number,
): Promise<void> {
  const url = req.originalUrl.replace(/([?&]sign=)[^&]*/i, '$1redacted');
  const head = { query: url.includes('?') ? url.slice(url.indexOf('?') + 1) : '' };
  await deps.spool
    .quarantine({ receivedAt, vendor: 'tencent', command: query.command, reason, detail, head, body })
    .catch((error: unknown) => {
      throw new CallbackError('spool_unavailable', undefined, { cause: error });
    });
}

function reply(res: Response, metrics: Metrics, outcome: CallbackOutcome, body: TencentReply): void {
  const ctx = contextOf(res);
  metrics.callbackHandled('tencent', commandLabel(ctx.command), outcome, elapsedSeconds(ctx));
  res.status(200).json(body);
}
