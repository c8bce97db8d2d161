import express, { type Request, type Response, type Router } from 'express';
import { AuthError } from '../auth';
import type { Sampler } from '../samples';
import { adminPaths, eventFilterKeys, query, samplesPath } from './api-paths';
import { askAll, askPod, type PodAnswer } from './fleet';
import { mergeOverview } from './merge-overview';
import { decodeCursor, mergePages, podQueries, type Listed, type PodPage } from './merge-search';
import type { Peer, PeerDirectory } from './peers';
import { redactHead } from './redact';
import type { Principal, Session } from './sessions';

export interface FleetDeps {
  readonly peers: PeerDirectory;
  /** Where the admin API is mounted on each pod's admin listener (`''`: its root). */
  readonly apiPrefix: string;
  readonly mountPath: string;
  /** How long the console waits for one pod (a slow pod is marked, never waited for). */
  readonly timeoutMs: number;
  readonly sampler: Sampler;
  readonly authenticate: (token: string) => Principal | undefined;
  readonly authenticateRequest?: (req: Request) => Promise<Principal>;
  readonly grafanaUrl?: string;
}

const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
const number = (value: unknown) => (typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : undefined);

/** The console's JSON routes: the session, the fleet's overview and search, and the proxy that routes an action to one pod. */
export function fleetRoutes(deps: FleetDeps): { api: Router; samples: Router } {
  const api = express.Router();
  const paths = adminPaths(deps.apiPrefix);
  const session = (req: Request) => req.consoleSession as Session;
  const ask = (token: string, peer: Peer, path: string) => askPod(peer, { method: 'GET', path, token, timeoutMs: deps.timeoutMs });

  api.get('/session', async function consoleWho(req: Request, res: Response) {
    const { principal, csrf } = session(req);
    const pods = (await deps.peers()).map((p) => p.name);
    res.json({ name: principal.name, role: principal.role, csrf, pods, ...(deps.grafanaUrl ? { grafanaUrl: deps.grafanaUrl } : {}) });
  });

  api.get('/overview', async function fleetOverview(req: Request, res: Response) {
    const { token } = session(req);
    const since = number(req.query['since']);
    const answers = await Promise.all(
      (await deps.peers()).map(async (peer): Promise<PodAnswer<{ stats: never; samples: never }>> => {
        const [stats, samples] = await Promise.all([ask(token, peer, paths.stats), ask(token, peer, samplesPath(deps.mountPath, since))]);
        if (!stats.ok) return stats;
        return { pod: peer.name, ok: true, status: 200, data: { stats: stats.data as never, samples: (samples.ok ? samples.data : []) as never } };
      }),
    );
    res.json(mergeOverview(answers));
  });

  api.get('/events', async function fleetSearch(req: Request, res: Response) {
    const { token } = session(req);
    const filter = Object.fromEntries(eventFilterKeys.map((key) => [key, text(req.query[key])]));
    const limit = Math.min(number(req.query['limit']) ?? 50, 200);
    const cursor = decodeCursor(text(req.query['cursor']));
    const peers = await deps.peers();
    const wanted = podQueries(cursor, peers.map((p) => p.name), number(req.query['until']));
    const answers = await askAll<PodPage<Listed>>(
      peers.filter((p) => wanted.some((w) => w.pod === p.name)),
      (peer) => {
        const position = wanted.find((w) => w.pod === peer.name);
        const path = paths.events({ ...filter, since: number(req.query['since']), until: position?.until, after: position?.after, limit });
        return { method: 'GET', path, token, timeoutMs: deps.timeoutMs };
      },
    );
    res.json(mergePages(cursor, answers));
  });

  api.all('/pods/:pod/*rest', async function podProxy(req: Request, res: Response) {
    const { principal, token } = session(req);
    const changes = req.method !== 'GET' && req.method !== 'HEAD';
    if (changes && principal.role !== 'operator') return void res.status(403).json({ error: 'the viewer role can look, not act' });
    const peer = (await deps.peers()).find((p) => p.name === req.params['pod']);
    if (peer === undefined) return void res.status(404).json({ error: `no pod named ${String(req.params['pod'])}` });
    const segments = req.params['rest'] as unknown as string[];
    if (segments.some((s) => s === '..' || s === '.')) return void res.status(400).json({ error: 'bad path' });
    const search = query(req.query as Record<string, unknown>);
    const path = `${deps.apiPrefix}/${segments.map(encodeURIComponent).join('/')}${search ? `?${search}` : ''}`;
    const answer = await askPod(peer, { method: req.method, path, token, body: changes ? req.body : undefined, timeoutMs: deps.timeoutMs });
    if (answer.ok) return void res.status(answer.status).json(redactHead(answer.data ?? {}));
    res.status(answer.status ?? 502).json({ error: answer.error, pod: peer.name, ...(answer.data !== undefined ? { detail: answer.data } : {}) });
  });

  // Another pod's console reads this pod's samples with the operator's bearer token.
  const samples = express.Router();
  samples.get('/samples', async function podSamples(req: Request, res: Response) {
    if (deps.authenticateRequest) {
      try {
        await deps.authenticateRequest(req);
      } catch (error) {
        if (!(error instanceof AuthError)) throw error;
        if (error.retryAfterSeconds) res.set('retry-after', String(error.retryAfterSeconds));
        return void res.status(error.status).json({ error: error.code, message: error.message });
      }
    } else {
      const bearer = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
      if (bearer === undefined || deps.authenticate(bearer) === undefined) return void res.status(401).json({ error: 'a valid bearer token is needed' });
    }
    res.json(deps.sampler.since(number(req.query['since'])));
  });
  return { api, samples };
}
