import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { z } from 'zod';
import { AdminError, type Admin } from '../pipeline/admin';
import { AuthError, createAuthenticator, type Authenticator } from './auth';
import type { AdminMetrics } from './metrics';
import { openApiDocument } from './openapi';
import { routes, type Route } from './routes';
import { mayAct, type OperatorToken } from './tokens';

export interface AdminAppDeps {
  readonly admin: Admin;
  readonly tokens: () => readonly OperatorToken[];
  readonly metrics: AdminMetrics;
  readonly logger: Logger;
  /** This pod's name, sent as `X-Imgw-Instance` with every answer. */
  readonly instance: string;
  readonly version: string;
  readonly maxFailures?: number;
  /** The bearer-token check with its failure limit, when it is shared with the console (else one of its own). */
  readonly auth?: Authenticator;
}

const statusOf: Record<AdminError['kind'], number> = { not_found: 404, refused: 409, invalid: 400 };

class InputError extends Error {}

/** A request body that is not JSON: 415. */
class MediaTypeError extends Error {}

function parse<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) return undefined as T;
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw new InputError(`${where}: ${z.prettifyError(result.error).replace(/\n/g, ' ')}`);
  return result.data;
}

/**
 * The admin API (its own listener, never the callback port): JSON in and out, every input checked
 * against the route table's schemas, every route behind a bearer token of the role it needs. The
 * OpenAPI document is served at `/` without a token (it holds nothing secret).
 */
export function createAdminApp(deps: AdminAppDeps) {
  const auth = deps.auth ?? createAuthenticator({ tokens: deps.tokens, maxFailures: deps.maxFailures, onFailure: deps.metrics.loginFailed });
  const document = openApiDocument(routes, deps.version);
  const app = express();
  app.disable('etag');
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(helmet());
  app.use((req, res, next) => {
    res.setHeader('X-Imgw-Instance', deps.instance);
    res.setHeader('Cache-Control', 'no-store');
    res.on('finish', () => deps.metrics.request((req as Request & { route?: { path?: string } }).route?.path ?? 'unmatched', res.statusCode));
    next();
  });
  app.get('/', (_req, res) => void res.json(document));
  app.get('/openapi.json', (_req, res) => void res.json(document));
  const json = express.json({ limit: '256kb' });
  for (const r of routes) app[r.method](r.path, authorised(r), json, handler(r));
  app.use((_req: Request, res: Response) => void res.status(404).json({ error: 'not_found', message: 'no such route (the OpenAPI document is at /)' }));
  app.use(function errors(error: unknown, req: Request, res: Response, _next: NextFunction) {
    if (error instanceof AuthError) {
      if (error.retryAfterSeconds) res.setHeader('Retry-After', String(error.retryAfterSeconds));
      if (error.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
      deps.logger.warn({ client: req.socket.remoteAddress, route: req.path, status: error.status }, 'admin request refused: ' + error.code);
      return void res.status(error.status).json({ error: error.code, message: error.message });
    }
    if (error instanceof AdminError) return void res.status(statusOf[error.kind]).json({ error: error.kind, message: error.message });
    if (error instanceof MediaTypeError) return void res.status(415).json({ error: 'unsupported_media_type', message: error.message });
    const status = (error as { status?: number; type?: string }).type === 'entity.parse.failed' || error instanceof InputError ? 400 : (error as { status?: number }).status;
    if (status && status >= 400 && status < 500) return void res.status(status).json({ error: 'invalid', message: (error as Error).message });
    deps.logger.error({ err: error, route: req.path }, 'admin request failed');
    res.status(500).json({ error: 'internal', message: 'the action failed; see the gateway log' });
  });
  return app;

  /**
   * The token and its role, before the body is read: an unauthenticated request is refused (and
   * counted as a failed login) whatever it carries. A route that takes a body takes only JSON, and
   * needs one (`{}` for everything): read as no body, a dry run sent as a form (what `curl -d` sends)
   * or a POST without a body would be `{}`, every filter and `dryRun` dropped, and act on everything.
   */
  function authorised(r: Route) {
    return async function authorise(req: Request, res: Response, next: NextFunction) {
      const token = await auth.authenticate(req);
      if (!mayAct(token.role, r.role)) throw new AuthError(403, 'forbidden', `the ${token.role} role may not do this (needs ${r.role})`);
      if (r.body && !req.is('application/json')) {
        const type = req.headers['content-type'];
        throw new MediaTypeError(`send a JSON body (Content-Type: application/json; {} to act on everything), not ${type === undefined ? 'no content type' : req.is('application/json') === null ? 'no body' : type}`);
      }
      res.locals.token = token;
      next();
    };
  }

  function handler(r: Route) {
    return async function adminRoute(req: Request, res: Response) {
      const token = res.locals.token as OperatorToken;
      const call = { params: parse(r.params, req.params, 'path'), query: parse(r.query, req.query, 'query'), body: parse(r.body, req.body, 'body'), actor: token.name };
      const result = await r.handle(deps.admin, call as never);
      res.status(result && typeof result === 'object' && 'job' in result ? 202 : 200).json(result);
    };
  }
}
