import type { EventFilter } from '../../pipeline/admin-store';

/**
 * The admin API routes the console's server side calls on every pod (the pages call the rest through
 * the pod proxy, see web/api.ts). Paths are relative to a pod's admin listener; `prefix` is where the
 * admin API is mounted there.
 */
export function adminPaths(prefix: string) {
  return {
    stats: `${prefix}/stats`,
    events: (filter: EventFilter & { limit: number; after?: string }) => `${prefix}/events?${query(filter)}`,
  };
}

/** The console's own per-pod route for samples (bearer-authenticated, for the console on another pod). */
export const samplesPath = (consolePath: string, since: number | undefined) => `${consolePath}/samples${since === undefined ? '' : `?since=${since}`}`;

export function query(values: object): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value !== undefined && value !== '') params.set(key, String(value));
  return params.toString();
}

/** The search fields a page may pass through (anything else in the query is ignored). */
export const eventFilterKeys = ['vendor', 'command', 'app', 'conversation', 'sender', 'recipient', 'group', 'messageId'] as const;
