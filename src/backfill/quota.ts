/** A client-side quota a history client takes one call from before each request. */
export interface Quota {
  /** Resolves when the caller may make its call; rejects with the signal's reason when `signal` aborts first. */
  take(signal?: AbortSignal): Promise<void>;
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Real time; an abort ends the wait at once, so a stop never waits out a long quota. */
export const realSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = () => (clearTimeout(timer), reject(signal?.reason as Error));
    const timer = setTimeout(() => (signal?.removeEventListener('abort', onAbort), resolve()), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** An even stream that can be told a call went later than its slot. */
export interface PacedQuota {
  /** A call went at `at` (on the stream's clock), later than its slot: the next goes no sooner than an interval after it. */
  wentAt(at: number): void;
}

/**
 * A client-side quota: at most `perSecond` calls a second, in an even stream (one call every
 * 1/perSecond s, a burst of `burst` after a pause). `take` resolves when the caller may make its
 * call. Time is injected (`clock`, `sleep`) so tests and the benchmark control it.
 */
export function createQuota(options: { perSecond: number; burst?: number; clock?: () => number; sleep?: Sleep }): Quota & PacedQuota {
  const interval = 1000 / options.perSecond;
  const burst = options.burst ?? 1;
  const clock = options.clock ?? (() => performance.now());
  const sleep = options.sleep ?? realSleep;
  /** When the next call may start (ms on `clock`); calls are spaced `interval` apart. */
  let next = -Infinity;
  return {
    async take(signal) {
      signal?.throwIfAborted();
      const now = clock();
      next = Math.max(next, now - (burst - 1) * interval);
      const at = next;
      next += interval;
      if (at > now) await sleep(at - now, signal);
    },
    wentAt(at) {
      next = Math.max(next, at + interval);
    },
  };
}

/** What a vendor counts a history API's limit per: the vendor, its app (SDKAppID, AppKey, App Key) and the API. */
export interface QuotaKey {
  readonly vendor: 'tencent' | 'netease' | 'easemob';
  readonly app: string;
  readonly api: string;
}

/** The rate of one quota: calls per second, and how many may go at once after a pause. */
export interface QuotaRate {
  readonly perSecond: number;
  readonly burst?: number;
}

/**
 * Where the history clients get their quotas: the same `Quota` for the same key every time (one per
 * vendor, app and API, as the vendor counts its limit), the rate of the first ask.
 */
export type QuotaSource = (key: QuotaKey, rate: QuotaRate) => Quota;

export interface BackfillQuotaSettings {
  /** BACKFILL_REDIS_URL: share every history quota with the other pods; undefined: each pod counts its own. */
  readonly redisUrl: string | undefined;
  /** BACKFILL_POD_SHARE: the share of each rate this pod takes without Redis, or while it is away. */
  readonly podShare: number;
}

/** Remembers one quota per key, made by `make` on the first ask. */
export function quotaPerKey(make: (key: QuotaKey, rate: QuotaRate) => Quota): QuotaSource {
  const quotas = new Map<string, Quota>();
  return (key, rate) => {
    const name = `${key.vendor}\n${key.app}\n${key.api}`;
    let quota = quotas.get(name);
    if (quota === undefined) quotas.set(name, (quota = make(key, rate)));
    return quota;
  };
}

/** Quotas this pod counts alone: `podShare` of each rate (1 / number of pods; 1 with one pod). */
export function localQuotas(podShare = 1): QuotaSource {
  return quotaPerKey((_key, rate) => createQuota({ perSecond: rate.perSecond * podShare, ...(rate.burst === undefined ? {} : { burst: rate.burst }) }));
}
