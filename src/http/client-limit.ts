import { BlockList, isIP, type Socket } from 'node:net';

/**
 * Fairness between senders: at most `max` open connections from one client address, so one client's
 * flood of sockets cannot take every connection slot from the others. Connections from trusted proxies
 * (a load balancer in front of the gateway carries many clients) are not counted by address; for them
 * the client is the forwarded address, whose requests in flight are limited to `max` instead.
 */
export function createClientLimit(options: { readonly max: number; readonly trustedProxies: readonly string[] }) {
  const trusted = new BlockList();
  for (const cidr of options.trustedProxies) {
    const [address, bits] = cidr.split('/') as [string, string | undefined];
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) trusted.addAddress(address, family);
    else trusted.addSubnet(address, Number(bits), family);
  }
  const anyTrusted = options.trustedProxies.length > 0;
  const isTrusted = (address: string | undefined) => address !== undefined && trusted.check(normalize(address), isIP(normalize(address)) === 6 ? 'ipv6' : 'ipv4');
  const connections = new Map<string, number>();
  const inFlight = new Map<string, number>();

  const release = (counts: Map<string, number>, key: string) => {
    const left = (counts.get(key) ?? 1) - 1;
    if (left <= 0) counts.delete(key);
    else counts.set(key, left);
  };

  return {
    /** For the server's `connection` event: counts the socket, or destroys it when its address is over the limit. */
    admit(socket: Socket): void {
      const address = socket.remoteAddress;
      if (address === undefined || options.max <= 0 || (anyTrusted && isTrusted(address))) return;
      const count = (connections.get(address) ?? 0) + 1;
      if (count > options.max) {
        socket.destroy();
        return;
      }
      connections.set(address, count);
      socket.once('close', () => release(connections, address));
    },

    /**
     * For a request that came through a trusted proxy: takes one in-flight slot of the forwarded client
     * and returns its release, or returns undefined when that client is over the limit. Requests that
     * did not come through a trusted proxy are already limited by `admit` and always get a slot.
     */
    enter(remoteAddress: string | undefined, forwardedFor: string | undefined): (() => void) | 'refused' {
      const noop = () => undefined;
      // Checked per request: the cheap tests first (most deployments have no trusted proxy).
      if (!anyTrusted || options.max <= 0 || !forwardedFor || !isTrusted(remoteAddress)) return noop;
      const client = forwardedClient(forwardedFor, isTrusted);
      if (client === undefined) return noop;
      const count = (inFlight.get(client) ?? 0) + 1;
      if (count > options.max) return 'refused';
      inFlight.set(client, count);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        release(inFlight, client);
      };
    },

    /**
     * The client a request comes from: the forwarded client (the rightmost untrusted `X-Forwarded-For`
     * hop) when the connection is from a trusted proxy, else the connection's own address.
     */
    clientOf(remoteAddress: string | undefined, forwardedFor: string | undefined): string {
      const client = anyTrusted && forwardedFor && isTrusted(remoteAddress) ? forwardedClient(forwardedFor, isTrusted) : undefined;
      return client ?? connectionAddress(remoteAddress);
    },

    /** Open connections per client address (for tests and diagnostics). */
    connectionsOf(address: string): number {
      return connections.get(address) ?? 0;
    },
  };
}

export type ClientLimit = ReturnType<typeof createClientLimit>;

/** The client of an `X-Forwarded-For` chain: the rightmost address that is not a trusted proxy. */
export function forwardedClient(header: string, isTrusted: (address: string) => boolean): string | undefined {
  const hops = header
    .split(',')
    .map((hop) => hop.trim())
    .filter((hop) => isIP(normalize(hop)) !== 0);
  for (let i = hops.length - 1; i >= 0; i--) if (!isTrusted(hops[i] as string)) return normalize(hops[i] as string);
  return undefined;
}

/** The address of a connection as a client key (`unknown` once the socket is gone). */
export function connectionAddress(remoteAddress: string | undefined): string {
  return remoteAddress === undefined ? 'unknown' : normalize(remoteAddress);
}

/** `::ffff:10.0.0.1` (an IPv4 client on a dual-stack socket) is `10.0.0.1`. */
function normalize(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
