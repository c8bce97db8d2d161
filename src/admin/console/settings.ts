import { z } from 'zod';
import { duration, envInteger } from '../../settings';
import { parseStaticPeers, type Peer, type PeerSource } from './peers';

const hostPort = z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'expected host:port, e.g. imgw-admin.imgw.svc.cluster.local:9100');

/**
 * The console's environment variables, a fragment for the service's settings schema (like a vendor's).
 * The console lives on the admin listener; behind a TLS-terminating proxy, set TRUSTED_PROXIES so the
 * admin app trusts its X-Forwarded-Proto (and the session cookie is marked Secure).
 */
export const consoleEnv = {
  CONSOLE_PEERS: z.string().optional()
    .describe('Other gateways whose admin listeners the console asks too: comma-separated `name=http://host:port` (or just URLs); unset: this gateway alone'),
  CONSOLE_PEERS_DNS: hostPort.optional()
    .describe('A Kubernetes headless Service (`host:port`) that resolves to every gateway pod\'s admin listener; takes precedence over CONSOLE_PEERS'),
  CONSOLE_PEER_TIMEOUT: duration.prefault('2s').describe('How long the console waits for one gateway before marking its results partial'),
  CONSOLE_COOKIE_SECURE: z.enum(['auto', 'always', 'never']).default('auto')
    .describe('Secure attribute of the session cookie: auto = when the request came over TLS (directly or through a trusted proxy)'),
  CONSOLE_SESSION_LIFETIME: duration.prefault('8h').describe('A console session ends this long after sign-in'),
  CONSOLE_SESSION_IDLE: duration.prefault('30m').describe('A console session ends after this long without a request'),
  CONSOLE_MAX_SESSIONS: envInteger(1, 100_000).default(1000).describe('Most console sessions at once; a new one ends the least recently used'),
  GRAFANA_URL: z.url({ protocol: /^https?$/ }).optional().describe('The Grafana dashboard the console overview links to'),
};

export type ConsoleEnv = z.output<z.ZodObject<typeof consoleEnv>>;

/** Where the fleet comes from: DNS first, then the static list, else this gateway alone. */
export function peerSource(env: ConsoleEnv, self: Peer): PeerSource {
  if (env.CONSOLE_PEERS_DNS !== undefined) {
    const [host, port] = env.CONSOLE_PEERS_DNS.split(':') as [string, string];
    return { kind: 'dns', host, port: Number(port), protocol: 'http' };
  }
  if (env.CONSOLE_PEERS !== undefined) return { kind: 'static', peers: parseStaticPeers(env.CONSOLE_PEERS) };
  return { kind: 'self', self };
}
