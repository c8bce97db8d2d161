import type { AdminClient } from '../admin/client';
import type { Job } from '../pipeline/admin-jobs';

/** Millisecond times (`…At`, `oldest`, `…_at`, `at`) become ISO 8601 strings. */
export function isoTimes(row: unknown): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...(row as Record<string, unknown>) };
  for (const [key, value] of Object.entries(copy)) {
    if (typeof value === 'number' && (/At$|_at$/.test(key) || key === 'oldest' || key === 'at')) copy[key] = new Date(value).toISOString();
  }
  return copy;
}

/** The newest `limit` items of a list route (paged newest first), returned oldest first. */
export async function listNewest(client: AdminClient, path: string, filter: Record<string, string | number | undefined>, limit: number): Promise<unknown[]> {
  const items: unknown[] = [];
  let after: string | undefined;
  do {
    const page = (await client.call('get', path, { query: { ...filter, limit: Math.min(1000, limit - items.length), after } })) as { items: unknown[]; next?: string };
    items.push(...page.items);
    after = page.next;
  } while (after !== undefined && items.length < limit);
  return items.reverse();
}

/** Polls a job until it has finished; says how far it is on stderr every few seconds while it runs. */
export async function waitForJob(client: AdminClient, started: Job, warn: (line: string) => void): Promise<Record<string, unknown>> {
  let job = started;
  let lastReport = Date.now();
  while (job.state === 'running') {
    await new Promise((resolve) => setTimeout(resolve, 100));
    job = (await client.call('get', `/jobs/${encodeURIComponent(job.id)}`)) as Job;
    if (job.state === 'running' && Date.now() - lastReport > 3000) {
      warn(`${job.action}: ${job.done} of ${job.total}`);
      lastReport = Date.now();
    }
  }
  if (job.state === 'failed') throw new Error(`${job.action} failed after ${job.done} of ${job.total}: ${job.error ?? 'unknown error'}`);
  return job.result ?? {};
}
