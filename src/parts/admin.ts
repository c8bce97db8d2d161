import { createServer } from 'node:http';
import express from 'express';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createAdminApp } from '../admin/app';
import { createAuthenticator } from '../admin/auth';
import { writeDiscovery } from '../admin/discovery';
import { createAdminMetrics } from '../admin/metrics';
import { startConsole } from '../admin/console';
import type { Peer } from '../admin/console/peers';
import { digest, newLocalToken, verifyToken } from '../admin/tokens';
import type { Config } from '../config';
import { decodeStored } from '../http/content-encoding';
import { createAdmin, type AdminDeps, type Recheck } from '../pipeline/admin';
import { publicSinkSettings } from '../sinks/public-settings';
import type { AdminStore, AuditEntry } from '../pipeline/admin-store';
import type { Dispatcher } from '../pipeline/dispatcher';
import type { IngestGuard } from '../pipeline/ingest-guard';
import type { Vendor } from '../vendors/vendor';
import type { Stops } from './stops';

interface AdminPartDeps {
  readonly store: AdminStore;
  readonly gaps?: AdminDeps['gaps'];
  readonly windows?: AdminDeps['windows'];
  /** The sinks this process delivers to through the spool. */
  readonly sinks: readonly string[];
  readonly dispatcher: Dispatcher;
  /** The ingest guard: bulk changes start slowly and rest longer while callbacks' commits are slowed. */
  readonly guard?: Pick<IngestGuard, 'factor' | 'hold'>;
  readonly vendors: readonly Vendor[];
  readonly registry: Registry;
  readonly logger: Logger;
  readonly clock: () => number;
  readonly stops: Stops;
  /** Where the local CLI finds the listener (`admin.json`); absent: not advertised (direct mode). */
  readonly dataDir?: string;
}

/**
 * Re-checks a quarantined request through the vendor that received it, as it is configured now: a body
 * kept undecoded is decoded first within today's MAX_BODY_BYTES.
 */
export const recheckThrough = (vendors: readonly Vendor[], maxBodyBytes: number) => (entry: Parameters<Parameters<typeof createAdmin>[0]['recheck']>[0]): Recheck => {
  const vendor = vendors.find((v) => v.name === entry.vendor);
  if (!vendor) return { kind: 'no_vendor' };
  const decoded = decodeStored(entry.head, entry.body, maxBodyBytes);
  if (!decoded.ok) return { kind: 'invalid', reason: 'unsupported_encoding', detail: decoded.detail };
  const intake = vendor.toEvent({ query: new URLSearchParams(entry.head.query ?? ''), headers: { ...entry.head.headers } }, decoded.body, entry.receivedAt);
  if (intake.kind === 'event') return { kind: 'event', event: intake.event };
  if (intake.kind === 'invalid') return { kind: 'invalid', reason: intake.reason, detail: intake.detail };
  return { kind: 'ignored' };
};

/**
 * The admin listener (ADMIN_HOST:ADMIN_PORT, 127.0.0.1 and an OS-chosen port by default): the admin
 * API over this process's spool, its metrics, and `admin.json` in the data directory with a per-start
 * token for the local CLI. Its stop step closes the listener and stops running jobs between chunks.
 */
export async function startAdminListener(config: Config, deps: AdminPartDeps) {
  const { logger } = deps;
  // The pod's name in Kubernetes (a StatefulSet's pods keep theirs across restarts).
  const instance = hostname();
  const metrics = createAdminMetrics(deps.registry);
  /** Every audited change, the console's sign-ins and sign-outs too: the metric and the log. */
  const audited = (entry: AuditEntry): void => {
    metrics.audit(entry.action);
    logger.info({ audit: entry }, `admin: ${entry.actor} ${entry.action}${entry.dryRun ? ' (dry run)' : ''}: ${entry.count}`);
  };
  const admin = createAdmin({
    store: deps.store,
    sinks: deps.sinks,
    recheck: recheckThrough(deps.vendors, config.maxBodyBytes),
    lanes: deps.dispatcher,
    guard: deps.guard,
    gaps: deps.gaps,
    windows: deps.windows,
    clock: deps.clock,
    instance,
    sinkSettings: config.sinks.map(publicSinkSettings),
    audited,
  });
  const localToken = newLocalToken();
  const local = { name: 'local', role: 'operator' as const, sha256: digest(localToken).toString('hex') };
  const tokens = [...config.admin.tokens, local];
  // One failure limit for the API and the samples other consoles read with a bearer token.
  const consoleKey = randomBytes(32).toString('base64url');
  const auth = createAuthenticator({ tokens: () => tokens, onFailure: metrics.loginFailed, consoleKey, exempt: (token) => token === local });
  const api = createAdminApp({ admin, tokens: () => tokens, metrics, logger, instance, version: '1', auth });
  // The operator console beside the API: same tokens and roles; its sign-ins go to the audit trail.
  let self: Peer = { name: instance, url: '' };
  const consoleParts = startConsole({ env: config.console, authenticate: (token) => verifyToken(tokens, token), authenticateRequest: (req) => auth.authenticate(req), audit: async (entry) => {
    await deps.store.audit(entry);
    audited(entry);
  }, registry: deps.registry, clock: deps.clock, self: () => self });
  const app = express().set('trust proxy', config.trustedProxies).use('/console', consoleParts.router).use(api);
  // Idle connections are kept as long as on the callback port (HTTP_KEEPALIVE_TIMEOUT): Node's 5 s is
  // shorter than what proxies and clients reuse a connection for, so a request could meet a socket the
  // server had just closed (ECONNRESET).
  const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000, keepAliveTimeout: config.http.keepAliveTimeoutMs }, app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: config.admin.port ?? 0, host: config.admin.host }, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.admin.host.includes(':') ? `[${config.admin.host}]` : config.admin.host === '0.0.0.0' ? '127.0.0.1' : config.admin.host}:${port}`;
  self = { name: instance, url, headers: { 'x-imgw-console-key': consoleKey } };
  const unlink = deps.dataDir ? writeDiscovery(deps.dataDir, { url, token: localToken, pid: process.pid }) : () => undefined;
  logger.info({ url, tokens: config.admin.tokens.map((t) => `${t.name} (${t.role})`) }, 'admin API listening');
  deps.stops.add('admin listener', async () => {
    unlink();
    consoleParts.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await admin.jobs.stop();
  });
  return { admin, port, url };
}
