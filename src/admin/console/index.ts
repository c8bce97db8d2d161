import type { Request } from 'express';
import type { Registry } from 'prom-client';
import type { AuditEntry } from '../../pipeline/admin-store';
import { createSampler, registryReading } from '../samples';
import { createPeerDirectory, type Peer } from './peers';
import { createConsoleRouter } from './router';
import type { Principal } from './sessions';
import { peerSource, type ConsoleEnv } from './settings';

export interface ConsoleParts {
  readonly env: ConsoleEnv;
  /** The admin API's token check, e.g. `(token) => verifyToken(tokens, token)`. */
  readonly authenticate: (token: string) => Principal | undefined;
  /** The admin API's request check with its failure limit (see `ConsoleDeps`). */
  readonly authenticateRequest?: (req: Request) => Promise<Principal>;
  readonly audit: (entry: AuditEntry) => void | Promise<void>;
  readonly registry: Registry;
  readonly clock: () => number;
  /** This gateway's admin listener, as the console reaches it when it has no peers configured (known once it listens). */
  readonly self: () => Peer;
}

/**
 * Everything the admin listener needs to offer the console: the router to mount at `/console` (before
 * the API's 404 handler) and the stop step of the one-second sampler it starts.
 */
export function startConsole(parts: ConsoleParts) {
  const sampler = createSampler({ read: registryReading(parts.registry), clock: parts.clock });
  sampler.start();
  const { env } = parts;
  const router = createConsoleRouter({
    authenticate: parts.authenticate,
    ...(parts.authenticateRequest ? { authenticateRequest: parts.authenticateRequest } : {}),
    audit: parts.audit,
    sampler,
    clock: parts.clock,
    peers: env.CONSOLE_PEERS_DNS === undefined && env.CONSOLE_PEERS === undefined ? async () => [parts.self()] : createPeerDirectory(peerSource(env, parts.self()), parts.clock),
    peerTimeoutMs: env.CONSOLE_PEER_TIMEOUT,
    cookieSecurity: env.CONSOLE_COOKIE_SECURE,
    sessions: { maxAgeMs: env.CONSOLE_SESSION_LIFETIME, idleMs: env.CONSOLE_SESSION_IDLE, max: env.CONSOLE_MAX_SESSIONS },
    ...(env.GRAFANA_URL === undefined ? {} : { grafanaUrl: env.GRAFANA_URL }),
  });
  return { router, stop: () => sampler.stop() };
}
