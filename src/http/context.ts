import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { CallbackHead, Vendor } from '../vendors/vendor';

/** Per-request state shared by the middlewares of one request. */
export interface RequestContext {
  readonly id: string;
  readonly log: Logger;
  readonly startedAt: number;
  /** Set by the vendor route as soon as it matches: replies and metric labels come from the vendor. */
  vendor?: Vendor;
  head?: CallbackHead;
  /** The bounded command label (metrics). */
  label?: string;
}

declare module 'express-serve-static-core' {
  interface Locals {
    ctx: RequestContext;
  }
}

const safeRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

/** Gives each request an id (the caller's `X-Request-Id` when sane), a child logger and a start time. */
export function requestContext(logger: Logger) {
  return function requestContextMiddleware(req: Request, res: Response, next: NextFunction): void {
    const header = req.headers['x-request-id'];
    const id = typeof header === 'string' && safeRequestId.test(header) ? header : randomUUID();
    res.setHeader('X-Request-Id', id);
    res.locals.ctx = { id, log: logger.child({ reqId: id }), startedAt: performance.now() };
    next();
  };
}

export function contextOf(res: Response): RequestContext {
  return res.locals.ctx;
}

export function elapsedSeconds(ctx: RequestContext): number {
  return (performance.now() - ctx.startedAt) / 1000;
}
