import { promises as dns } from 'node:dns';

/** One gateway pod's admin listener: `url` is its origin, e.g. `http://10.1.2.3:9100`. */
export interface Peer {
  readonly name: string;
  readonly url: string;
  /** Headers sent with every request to it (this pod's own listener: the key that tells its console from other local clients). */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Where the fleet comes from: this pod alone; a static list (`CONSOLE_PEERS`, comma-separated
 * `name=url` or `url`); or a Kubernetes headless Service (`CONSOLE_PEERS_DNS=host:port`), whose DNS
 * name resolves to every ready pod's address.
 */
export type PeerSource =
  | { readonly kind: 'self'; readonly self: Peer }
  | { readonly kind: 'static'; readonly peers: readonly Peer[] }
  | { readonly kind: 'dns'; readonly host: string; readonly port: number; readonly protocol: 'http' | 'https' };

/** Parses `CONSOLE_PEERS`; throws with the entry that is wrong. */
export function parseStaticPeers(text: string): Peer[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const eq = entry.indexOf('=');
      const url = new URL(eq > 0 ? entry.slice(eq + 1) : entry);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`console peer ${entry}: use an http(s) URL`);
      return { name: eq > 0 ? entry.slice(0, eq) : url.host, url: url.origin };
    });
}

export type Resolve = (host: string) => Promise<string[]>;

/**
 * The current list of pods. A DNS answer is kept for `ttlMs` so a page refresh every second does not
 * become a DNS query every second; a failed lookup keeps the last good answer.
 */
export function createPeerDirectory(source: PeerSource, clock: () => number, resolve: Resolve = (host) => dns.resolve4(host), ttlMs = 10_000) {
  let cached: { at: number; peers: Peer[] } | undefined;
  return async function peers(): Promise<readonly Peer[]> {
    switch (source.kind) {
      case 'self':
        return [source.self];
      case 'static':
        return source.peers;
      case 'dns': {
        if (cached !== undefined && clock() - cached.at < ttlMs) return cached.peers;
        try {
          const addresses = (await resolve(source.host)).sort();
          cached = { at: clock(), peers: addresses.map((ip) => ({ name: ip, url: `${source.protocol}://${ip}:${source.port}` })) };
        } catch (error) {
          if (cached === undefined) throw error;
        }
        return cached.peers;
      }
    }
  };
}

export type PeerDirectory = ReturnType<typeof createPeerDirectory>;
