import type { Peer } from './peers';

/** One pod's answer: its JSON, or why there is none (an error status, a timeout, a refused connection). */
export type PodAnswer<T = unknown> =
  | { readonly pod: string; readonly ok: true; readonly status: number; readonly data: T }
  | { readonly pod: string; readonly ok: false; readonly status?: number; readonly error: string; readonly data?: unknown };

export interface PodRequest {
  readonly method: string;
  /** Path and query on the pod's admin listener, e.g. `/api/events?vendor=tencent`. */
  readonly path: string;
  /** The signed-in operator's token: each pod checks it and audits under its name. */
  readonly token: string;
  readonly body?: unknown;
  readonly timeoutMs: number;
}

/** Asks one pod; never throws. Answers larger than `maxBytes` are refused (a pod is trusted, but bounded). */
export async function askPod<T>(peer: Peer, request: PodRequest, maxBytes = 8 * 1024 * 1024): Promise<PodAnswer<T>> {
  try {
    const response = await fetch(peer.url + request.path, {
      method: request.method,
      headers: { ...peer.headers, authorization: `Bearer ${request.token}`, accept: 'application/json', ...(request.body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: AbortSignal.timeout(request.timeoutMs),
      redirect: 'error',
    });
    const text = await response.text();
    if (text.length > maxBytes) return { pod: peer.name, ok: false, status: response.status, error: 'answer too large' };
    const data: unknown = text === '' ? undefined : JSON.parse(text);
    if (!response.ok) return { pod: peer.name, ok: false, status: response.status, error: errorText(data, response.status), data };
    return { pod: peer.name, ok: true, status: response.status, data: data as T };
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    return { pod: peer.name, ok: false, error: name === 'TimeoutError' ? `no answer within ${request.timeoutMs} ms` : 'unreachable' };
  }
}

function errorText(data: unknown, status: number): string {
  // The admin API answers problems as { error: code, message: words }.
  if (typeof data === 'object' && data !== null && 'message' in data && typeof data.message === 'string') return data.message;
  if (typeof data === 'object' && data !== null && 'error' in data && typeof data.error === 'string') return data.error;
  return `HTTP ${status}`;
}

/** Asks every pod at once; each answer arrives within the timeout (late ones count as failed). */
export function askAll<T>(peers: readonly Peer[], request: (peer: Peer) => PodRequest): Promise<PodAnswer<T>[]> {
  return Promise.all(peers.map((peer) => askPod<T>(peer, request(peer))));
}
