/**
 * The Easemob app token (https://doc.easemob.com/product/easemob_app_token.html), shared by the relay's
 * sends and backfill's history reads (a leaf of src/protocols/: it imports nothing of ours): fetched
 * with client credentials, cached, refreshed in the background at half its life (as the official Java
 * SDK does), fetched by one request at a time however many callers wait, and fetched again once when a
 * call gets 401 with it. A failed fetch is remembered for `failureCacheMs` so a broken credential is not
 * hammered: Easemob blocks accounts that ask for tokens too often. The client secret is sent only in the
 * token request body and appears in no error message.
 */
export interface AppTokenOptions {
  /** `https://{host}/{org}/{app}/token` */
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** `ttl` to ask for, in seconds; undefined = the console's setting. */
  readonly ttlSeconds?: number;
  readonly timeoutMs: number;
  readonly clock: () => number;
  readonly failureCacheMs?: number;
}

export interface AppTokens {
  /** A valid token: the cached one, or the result of the one fetch in flight. */
  get(signal: AbortSignal): Promise<string>;
  /** A send got 401 with `token`: forget it (once; later calls with an already replaced token do nothing). */
  invalidate(token: string): void;
  /** Token requests made so far. */
  readonly fetches: number;
}

interface Cached {
  readonly token: string;
  readonly refreshAt: number;
  readonly expiresAt: number;
}

export function createAppTokens(options: AppTokenOptions): AppTokens {
  const { clock } = options;
  const failureCacheMs = options.failureCacheMs ?? 10_000;
  let current: Cached | undefined;
  let inflight: Promise<string> | undefined;
  let failure: { error: Error; until: number } | undefined;
  let fetches = 0;

  async function request(): Promise<Cached> {
    fetches++;
    const obtainedAt = clock();
    const body = { grant_type: 'client_credentials', client_id: options.clientId, client_secret: options.clientSecret, ...(options.ttlSeconds === undefined ? {} : { ttl: options.ttlSeconds }) };
    let res: Response;
    try {
      res = await fetch(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      throw new Error(`Easemob token request failed: ${(error as Error).name === 'TimeoutError' ? `no answer within ${options.timeoutMs} ms` : (error as Error).message}`, { cause: error });
    }
    const json = (await res.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown };
    if (!res.ok || typeof json.access_token !== 'string' || typeof json.expires_in !== 'number') {
      throw new Error(`Easemob token request failed: HTTP ${res.status} ${String(json.error ?? '')} ${String(json.error_description ?? '')}`.trim());
    }
    // expires_in 0 = never expires. The token may still end early: a 401 then fetches a new one.
    const lifeMs = json.expires_in * 1000;
    return lifeMs === 0
      ? { token: json.access_token, refreshAt: Infinity, expiresAt: Infinity }
      : { token: json.access_token, refreshAt: obtainedAt + lifeMs / 2, expiresAt: obtainedAt + lifeMs };
  }

  function fetchOnce(): Promise<string> {
    inflight ??= request()
      .then((fresh) => {
        current = fresh;
        failure = undefined;
        return fresh.token;
      })
      .catch((error: Error) => {
        failure = { error, until: clock() + failureCacheMs };
        throw error;
      })
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  }

  return {
    async get(signal) {
      const now = clock();
      const failedRecently = failure !== undefined && now < failure.until;
      if (current && now < current.expiresAt) {
        if (now >= current.refreshAt && !inflight && !failedRecently) fetchOnce().catch(() => undefined);
        return current.token;
      }
      if (failedRecently && !inflight) throw (failure as { error: Error }).error;
      return untilAborted(fetchOnce(), signal);
    },
    invalidate(token) {
      if (current?.token === token) current = undefined;
    },
    get fetches() {
      return fetches;
    },
  };
}

/** Waits for `promise` unless `signal` aborts first (the shared fetch goes on for the other callers). */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => (signal.removeEventListener('abort', onAbort), resolve(value)),
      (error: unknown) => (signal.removeEventListener('abort', onAbort), reject(error)),
    );
  });
}
