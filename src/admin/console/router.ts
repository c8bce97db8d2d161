import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Request, type Response, type Router } from 'express';
import helmet from 'helmet';
import type { AuditEntry } from '../../pipeline/admin-store';
import type { Sampler } from '../samples';
import { authRoutes } from './auth-routes';
import type { CookieSecurity } from './cookies';
import { fleetRoutes } from './fleet-routes';
import { appShell } from './html';
import { createLoginLimit, type LoginLimitSettings } from './login-limit';
import type { PeerDirectory } from './peers';
import { consoleCss, consoleIcon } from './styles';
import { createSessionStore, type Principal, type SessionLimits } from './sessions';

export interface ConsoleDeps {
  /** The admin API's token check (same tokens and roles as the API). */
  readonly authenticate: (token: string) => Principal | undefined;
  /**
   * The admin API's check of a request's bearer token, with its failure limit (wrong tokens counted
   * per client with the API's, 429 once over): for the samples other consoles read. Without it, the
   * token alone is checked.
   */
  readonly authenticateRequest?: (req: Request) => Promise<Principal>;
  /** The admin module's audit trail. */
  readonly audit: (entry: AuditEntry) => void | Promise<void>;
  readonly peers: PeerDirectory;
  readonly sampler: Sampler;
  readonly clock: () => number;
  /** Where the admin API is mounted on every pod's admin listener (default: its root). */
  readonly apiPrefix?: string;
  /** Where this router is mounted (default `/console`); the same on every pod. */
  readonly mountPath?: string;
  readonly cookieSecurity?: CookieSecurity;
  readonly sessions?: SessionLimits;
  readonly loginLimit?: LoginLimitSettings;
  readonly peerTimeoutMs?: number;
  readonly grafanaUrl?: string;
  /** The compiled page modules (default: `web/` beside this file, where `npm run build` puts them). */
  readonly assetsDir?: string;
}

/**
 * The operator console, for the admin listener only (never the callback port). Same tokens and roles as
 * the admin API: signing in keeps the token in a server-side session and the browser gets an HttpOnly,
 * SameSite=Strict cookie; every change needs the session's CSRF token; every page and script comes from
 * here under a Content-Security-Policy that allows nothing inline and nothing from elsewhere.
 */
export function createConsoleRouter(deps: ConsoleDeps): Router {
  const mountPath = deps.mountPath ?? '/console';
  const assetsDir = deps.assetsDir ?? builtModules();
  const sessions = createSessionStore(deps.clock, deps.sessions);
  const auth = authRoutes({ ...deps, sessions, loginLimit: createLoginLimit(deps.loginLimit), cookieSecurity: deps.cookieSecurity ?? 'auto', mountPath });
  const fleet = fleetRoutes({ ...deps, apiPrefix: deps.apiPrefix ?? '', mountPath, timeoutMs: deps.peerTimeoutMs ?? 2000 });
  const router = express.Router();

  router.use(consoleHeaders());
  router.use(fleet.samples);
  router.get('/assets/console.css', function consoleStyles(_req: Request, res: Response) {
    res.type('css').set('cache-control', 'no-cache').send(consoleCss);
  });
  router.get('/assets/icon.svg', function consoleIconFile(_req: Request, res: Response) {
    res.type('svg').set('cache-control', 'no-cache').send(consoleIcon);
  });
  router.get('/assets/:file', function consoleAsset(req: Request, res: Response) {
    const file = String(req.params['file']);
    const path = join(assetsDir, file);
    if (!/^[a-z][a-z0-9-]*\.js$/.test(file) || !existsSync(path)) return void res.status(404).end();
    res.type('js').set('cache-control', 'no-cache').send(readFileSync(path));
  });
  router.use(auth.router);
  router.get('/', auth.requireSession, function consoleShell(_req: Request, res: Response) {
    res.type('html').send(appShell());
  });
  router.use('/api', auth.requireSession, express.json({ limit: '64kb' }), auth.requireCsrf, fleet.api);
  return router;
}

/** The compiled page modules: beside this file in dist/, or, when this runs from the sources (tests), in dist/ of the checkout. */
function builtModules(): string {
  const beside = join(__dirname, 'web');
  return existsSync(join(beside, 'main.js')) ? beside : join(__dirname, '..', '..', '..', 'dist', 'admin', 'console', 'web');
}

function consoleHeaders(): express.RequestHandler {
  const security = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
    },
    // same-origin, not no-referrer: with no-referrer Chromium sends `Origin: null` on form posts, which the origin check refuses.
    referrerPolicy: { policy: 'same-origin' },
  });
  return function consoleSecurityHeaders(req, res, next) {
    res.set('cache-control', 'no-store');
    security(req, res, next);
  };
}
