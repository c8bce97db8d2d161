import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { CallbackHead, Vendor } from '../vendors/vendor';

const safeRequestId = /^[A-Za-z0-9._:-]{1,128}$/;
const kContext = Symbol('imgw.requestContext');

/** Per-request state shared by the handlers of one request. */
export class RequestContext {
  readonly startedAt = performance.now();
  /** Set as soon as a vendor route matches: replies and metric labels come from the vendor. */
  vendor?: Vendor;
  head?: CallbackHead;
  /** The bounded command label (metrics). */
  label?: string;
  /**
   * Headers the reply still has to carry, as name, value, name, value… (the fast path writes them
   * with the status line in one go instead of setting them one by one).
   */
  baseHeaders: readonly string[] = [];
  #log?: Logger;

  constructor(
    readonly id: string,
    private readonly logger: Logger,
  ) {}

  /** A child logger carrying the request id, made on first use (most requests log nothing). */
  get log(): Logger {
    return (this.#log ??= this.logger.child({ reqId: this.id }));
  }

  /** Logs at debug level, without making the child logger when debug is off (the usual case). */
  debug(fields: object, message: string): void {
    if (this.logger.isLevelEnabled('debug')) this.log.debug(fields, message);
  }
}

/**
 * Gives the request an id (the caller's `X-Request-Id` when sane), echoes it, and keeps the context on
 * the response. With `replyHeaders` (flat name/value list), those and the id go out with the reply
 * (`baseHeaders`) rather than being set now.
 */
export function beginRequest(req: IncomingMessage, res: ServerResponse, logger: Logger, replyHeaders?: readonly string[]): RequestContext {
  const header = req.headers['x-request-id'];
  const id = typeof header === 'string' && safeRequestId.test(header) ? header : randomUUID();
  const ctx = new RequestContext(id, logger);
  if (replyHeaders) ctx.baseHeaders = [...replyHeaders, 'X-Request-Id', id];
  else res.setHeader('X-Request-Id', id);
  (res as ServerResponse & { [kContext]?: RequestContext })[kContext] = ctx;
  return ctx;
}

/** The middleware form of {@link beginRequest}, for the routes served by Express. */
export function requestContext(logger: Logger) {
  return function requestContextMiddleware(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    beginRequest(req, res, logger);
    next();
  };
}

export function contextOf(res: ServerResponse): RequestContext {
  return (res as ServerResponse & { [kContext]: RequestContext })[kContext];
}

export function elapsedSeconds(ctx: RequestContext): number {
  return (performance.now() - ctx.startedAt) / 1000;
}
