import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import type { AuditEntry } from '../../src/pipeline/admin-store';
import { createConsoleRouter, type ConsoleDeps } from '../../src/admin/console/router';
import type { Peer } from '../../src/admin/console/peers';
import { createSampler } from '../../src/admin/samples';

/** Where `npm run build` puts the console's page modules. */
export const builtAssets = join(__dirname, '..', '..', 'dist', 'admin', 'console', 'web');

export const TOKENS = { 'op-token-0123456789': { name: 'alice', role: 'operator' }, 'viewer-token-0123456789': { name: 'victor', role: 'viewer' } } as const;
export const authenticate = (token: string) => (TOKENS as Record<string, { name: string; role: 'viewer' | 'operator' }>)[token];

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export interface RecordedCall {
  readonly method: string;
  readonly path: string;
  readonly authorization?: string;
  readonly body: unknown;
}

/**
 * A real HTTP endpoint standing where a pod's admin listener is, answering `answers[path]` (or 404) and
 * recording each call: enough to check what the console forwards, with which token, and what it does
 * with the answer.
 */
export type Answer = unknown | ((req: express.Request) => unknown);

export async function startRecordingPod(answers: Record<string, Answer>) {
  const calls: RecordedCall[] = [];
  const app = express();
  app.use(express.json());
  app.use((req, res) => {
    calls.push({ method: req.method, path: req.originalUrl, authorization: req.get('authorization'), body: req.body as unknown });
    const key = Object.keys(answers).find((k) => req.originalUrl === k || req.originalUrl.split('?')[0] === k);
    if (key === undefined) return void res.status(404).json({ error: 'not found' });
    const answer = answers[key];
    res.json(typeof answer === 'function' ? (answer as (r: express.Request) => unknown)(req) : answer);
  });
  const server = createServer(app);
  const url = await listen(server);
  return { url, calls, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** The console router on its own listener (as on the admin port), with its audit entries kept for checks. */
export async function startConsole(peers: readonly Peer[], overrides: Partial<ConsoleDeps> = {}) {
  const audit: AuditEntry[] = [];
  const clock = { now: 1_767_000_000_000 };
  const sampler = createSampler({ read: () => ({ totals: new Map(), levels: new Map([['pending|web', 1]]) }), clock: () => clock.now });
  const app = express();
  app.use('/console', createConsoleRouter({ authenticate, audit: (e) => void audit.push(e), peers: async () => peers, sampler, clock: () => clock.now, assetsDir: builtAssets, ...overrides }));
  const server = createServer(app);
  const url = await listen(server);
  return { url, app, audit, clock, sampler, stop: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))) };
}
