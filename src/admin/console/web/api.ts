/**
 * The console's JSON calls: the console's own routes (session, fleet overview and search) and, through
 * the pod proxy, the admin API of the pod that holds an event. Every change carries the session's
 * CSRF token; failures throw with the server's message.
 */
export interface SessionInfo {
  readonly name: string;
  readonly role: 'viewer' | 'operator';
  readonly csrf: string;
  readonly pods: readonly string[];
  readonly grafanaUrl?: string;
}

let csrf = '';
export const setCsrf = (token: string) => void (csrf = token);

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`api/${path}`, {
    method,
    credentials: 'same-origin',
    headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(method === 'GET' ? {} : { 'x-csrf-token': csrf }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401) location.assign('login');
  const data = (await response.json().catch(() => ({}))) as T & { error?: string; message?: string };
  if (!response.ok) throw new ApiError(response.status, data.message ?? data.error ?? `HTTP ${response.status}`);
  return data;
}

export const get = <T>(path: string) => call<T>('GET', path);
export const post = <T>(path: string, body: unknown) => call<T>('POST', path, body);

/** A path on one pod's admin API, through the console's proxy. */
export const pod = (name: string, path: string) => `pods/${encodeURIComponent(name)}/${path}`;

export function qs(values: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== undefined && v !== '') params.set(k, String(v));
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** Admin API routes the pages use (relative to the API's prefix on each pod). */
export const routes = {
  event: (id: string) => `events/${encodeURIComponent(id)}`,
  deadLetters: 'dead-letters',
  deadRedrive: 'dead-letters/redrive',
  deadDrop: 'dead-letters/drop',
  quarantine: 'quarantine',
  quarantined: (qid: number) => `quarantine/${qid}`,
  quarantineRedrive: 'quarantine/redrive',
  quarantineDrop: 'quarantine/drop',
  replay: 'replay',
  job: (id: string) => `jobs/${encodeURIComponent(id)}`,
  stats: 'stats',
  sinkSettings: 'sinks',
  pause: (sink: string) => `sinks/${encodeURIComponent(sink)}/pause`,
  resume: (sink: string) => `sinks/${encodeURIComponent(sink)}/resume`,
  gaps: 'gaps',
  settleGap: (gid: number) => `gaps/${gid}/settle`,
};
