import { isIP } from 'node:net';

/** How many client addresses are tracked at most; past it the one that failed longest ago is forgotten. */
const maxClients = 10_000;

interface Bucket {
  tokens: number;
  last: number;
}

/**
 * Failed authentications per client: a token bucket of its own per client address, `ratePerSecond`
 * failures a second with a burst of one second's worth (at least one). A client that has spent its
 * budget is refused before its body is read, so unauthenticated senders pay for each other and never
 * for genuine callbacks from other addresses, which do not touch these buckets. IPv6 clients count per
 * /64 (what one subscriber usually holds). Memory stays bounded: an address whose bucket is full again
 * is dropped, and at most `maxClients` are tracked. A rate of 0 never limits.
 */
export function createAuthFailureLimit(ratePerSecond: number, clock: () => number) {
  const burst = Math.max(1, ratePerSecond);
  const buckets = new Map<string, Bucket>();

  /** The bucket refilled to now, or undefined when it is full (and then forgotten). */
  function current(key: string): Bucket | undefined {
    const bucket = buckets.get(key);
    if (!bucket) return undefined;
    const now = clock();
    bucket.tokens = Math.min(burst, bucket.tokens + (Math.max(0, now - bucket.last) / 1000) * ratePerSecond);
    bucket.last = now;
    if (bucket.tokens < burst) return bucket;
    buckets.delete(key);
    return undefined;
  }

  /** Spends one failure of the client's bucket (made now if it has none). */
  function spend(key: string): void {
    const bucket = current(key) ?? { tokens: burst, last: clock() };
    bucket.tokens = Math.max(0, bucket.tokens - 1);
    // Re-inserted, so the Map's first entry is the client that failed longest ago.
    buckets.delete(key);
    if (buckets.size >= maxClients) buckets.delete(buckets.keys().next().value as string);
    buckets.set(key, bucket);
  }

  return {
    /**
     * Before the body is read: undefined when `client` has spent its budget (refuse it). A client that
     * failed recently spends one failure now, given back by `passed`, so its concurrent requests cannot
     * all get past the count before the first of them fails; a client without recent failures spends
     * nothing, so genuine senders are never held back by their own concurrency.
     */
    admit(client: string): Admission | undefined {
      if (ratePerSecond <= 0) return { reserved: false };
      const key = clientKey(client);
      const bucket = current(key);
      if (!bucket) return { reserved: false };
      if (bucket.tokens < 1) return undefined;
      bucket.tokens -= 1;
      return { reserved: true };
    },

    /** The request authenticated: what `admit` reserved is given back. */
    passed(client: string, admission: Admission): void {
      if (!admission.reserved) return;
      const bucket = current(clientKey(client));
      if (bucket) bucket.tokens = Math.min(burst, bucket.tokens + 1);
    },

    /** The request failed authentication: one failure is spent (the one `admit` reserved, if any). */
    failed(client: string, admission: Admission = { reserved: false }): void {
      if (ratePerSecond > 0 && !admission.reserved) spend(clientKey(client));
    },

    /** Clients being tracked (for tests and diagnostics). */
    get tracked(): number {
      return buckets.size;
    },
  };
}

export type AuthFailureLimit = ReturnType<typeof createAuthFailureLimit>;

/** What `admit` took from the client's budget. */
export interface Admission {
  readonly reserved: boolean;
}

/** The bucket of an address: IPv4 as is, IPv6 by its /64 prefix. */
export function clientKey(address: string): string {
  // Most keys are IPv4: an address without a colon is not IPv6, no parse needed (this runs per request).
  if (!address.includes(':') || isIP(address) !== 6) return address;
  const [head = '', tail = ''] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
