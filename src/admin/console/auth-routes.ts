import { timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { AuditEntry } from '../../pipeline/admin-store';
import { readCookie, SESSION_COOKIE, sessionCookie, type CookieSecurity } from './cookies';
import { loginPage } from './html';
import type { LoginLimit } from './login-limit';
import type { Principal, Session, SessionStore } from './sessions';

export interface AuthDeps {
  /** The admin API's token check: who holds this token, or undefined. Constant-time, never logs the token. */
  readonly authenticate: (token: string) => Principal | undefined;
  /** Writes a console action (sign-in, sign-out) to the audit trail. */
  readonly audit: (entry: AuditEntry) => void | Promise<void>;
  readonly sessions: SessionStore;
  readonly loginLimit: LoginLimit;
  readonly cookieSecurity: CookieSecurity;
  /** Where the console is mounted, e.g. `/console` (the cookie's path). */
  readonly mountPath: string;
  readonly clock: () => number;
}

declare module 'express-serve-static-core' {
  interface Request {
    consoleSession?: Session;
  }
}

const client = (req: Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown';
const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** A change must come from this origin: a browser sends Origin with every POST; a mismatch is a cross-site request. */
function sameOrigin(req: Request): boolean {
  const origin = req.headers.origin;
  return origin === undefined || origin === `${req.protocol}://${req.get('host') ?? ''}`;
}

/** `/login` (form), `/logout`, and the session every other console route needs. */
export function authRoutes(deps: AuthDeps): { router: Router; requireSession: express.RequestHandler; requireCsrf: express.RequestHandler } {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 4 });
  const audit = (actor: string, action: string) => deps.audit({ at: deps.clock(), actor, action, target: { via: 'console' }, count: 0, dryRun: false });

  router.get('/login', function consoleLoginPage(_req: Request, res: Response) {
    res.type('html').send(loginPage());
  });
  router.post('/login', form, async function consoleLogin(req: Request, res: Response) {
    const wait = await deps.loginLimit.blockedFor(client(req));
    if (wait > 0) return void res.status(429).set('retry-after', String(wait)).type('html').send(loginPage(`Too many failed attempts: try again in ${wait} s.`));
    const token: unknown = (req.body as Record<string, unknown> | undefined)?.['token'];
    const principal = sameOrigin(req) && typeof token === 'string' && token.length <= 512 ? deps.authenticate(token) : undefined;
    if (principal === undefined || typeof token !== 'string') {
      await deps.loginLimit.failed(client(req));
      return void res.status(401).type('html').send(loginPage('That token is not valid.'));
    }
    const session = deps.sessions.create(principal, token);
    await audit(principal.name, 'console.login');
    res.set('set-cookie', sessionCookie(req, session.id, deps.sessions.cookieMaxAgeSeconds, deps.cookieSecurity, deps.mountPath));
    res.redirect(303, './');
  });

  const requireSession = function consoleSession(req: Request, res: Response, next: NextFunction) {
    const session = deps.sessions.get(readCookie(req, SESSION_COOKIE));
    if (session === undefined) {
      if (req.method === 'GET' && req.accepts(['html', 'json']) === 'html') return void res.redirect(303, `${deps.mountPath}/login`);
      return void res.status(401).json({ error: 'sign in first' });
    }
    req.consoleSession = session;
    next();
  };
  const requireCsrf = function consoleCsrf(req: Request, res: Response, next: NextFunction) {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    const presented = req.get('x-csrf-token') ?? (req.body as Record<string, unknown> | undefined)?.['csrf'];
    const session = req.consoleSession;
    if (session === undefined || typeof presented !== 'string' || !same(presented, session.csrf) || !sameOrigin(req)) {
      return void res.status(403).json({ error: 'missing or wrong CSRF token: reload the page' });
    }
    next();
  };

  router.post('/logout', form, requireSession, requireCsrf, async function consoleLogout(req: Request, res: Response) {
    const session = req.consoleSession as Session;
    deps.sessions.end(session.id);
    await audit(session.principal.name, 'console.logout');
    res.set('set-cookie', sessionCookie(req, '', 0, deps.cookieSecurity, deps.mountPath));
    res.redirect(303, 'login');
  });
  return { router, requireSession, requireCsrf };
}
