import type { PodAnswer } from './fleet';

/** The part of a stored event the merge needs; the rest travels untouched. */
export interface Listed {
  readonly seq: number;
  readonly receivedAt: number;
}

/** One pod's position in a fleet-wide search: its own cursor, and an upper bound on receipt time. */
export type PodPosition = { readonly after?: string; readonly until?: number } | 'done';
export type FleetCursor = Readonly<Record<string, PodPosition>>;

export interface PodPage<T> {
  readonly items: readonly T[];
  readonly next?: string;
}

/** A fleet page: items newest first, each labelled with its pod; pods that did not answer are listed. */
export interface FleetPage<T> {
  readonly items: readonly (T & { readonly pod: string })[];
  readonly next?: string;
  readonly failed: readonly { readonly pod: string; readonly error: string }[];
}

export const encodeCursor = (cursor: FleetCursor) => Buffer.from(JSON.stringify(cursor)).toString('base64url');

/** Reads a fleet cursor from the browser; anything malformed starts from the top (it is only a position). */
export function decodeCursor(text: string | undefined): FleetCursor {
  if (text === undefined || text === '') return {};
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as FleetCursor) : {};
  } catch {
    return {};
  }
}

/**
 * Merges one page from each pod into one newest-first page of the fleet. Each pod's opaque cursor only
 * moves past what was shown: every item at or after the cut-off T (the oldest item of the pods that
 * have more) is shown; a pod whose older items were held back asks again from its previous cursor with
 * `until = T`, so nothing is skipped or shown twice. Pods that failed keep their position and are
 * retried with the next page.
 */
export function mergePages<T extends Listed>(cursor: FleetCursor, answers: readonly PodAnswer<PodPage<T>>[]): FleetPage<T> {
  const ok = answers.filter((a): a is Extract<PodAnswer<PodPage<T>>, { ok: true }> => a.ok);
  const cutoff = Math.max(...ok.filter((a) => a.data.next !== undefined && a.data.items.length > 0).map((a) => Math.min(...a.data.items.map((i) => i.receivedAt))));
  const items: (T & { pod: string })[] = [];
  const next: Record<string, PodPosition> = { ...cursor };
  for (const answer of ok) {
    const position = cursor[answer.pod] ?? {};
    const shown = answer.data.items.filter((item) => item.receivedAt >= cutoff);
    items.push(...shown.map((item) => ({ ...item, pod: answer.pod })));
    if (shown.length < answer.data.items.length) {
      next[answer.pod] = { ...(position === 'done' ? {} : position), until: cutoff };
    } else {
      next[answer.pod] = answer.data.next === undefined ? 'done' : { after: answer.data.next, ...(position !== 'done' && position.until !== undefined ? { until: position.until } : {}) };
    }
  }
  items.sort((a, b) => b.receivedAt - a.receivedAt || (a.pod < b.pod ? -1 : a.pod > b.pod ? 1 : b.seq - a.seq));
  const failed = answers.filter((a) => !a.ok).map((a) => ({ pod: a.pod, error: a.ok ? '' : a.error }));
  const more = Object.values(next).some((p) => p !== 'done') || failed.length > 0;
  return { items, failed, ...(more ? { next: encodeCursor(next) } : {}) };
}

/** The pods still to ask for this page, with the bound each must apply (the tighter of the filter's and its own). */
export function podQueries(cursor: FleetCursor, pods: readonly string[], until: number | undefined): { pod: string; after?: string; until?: number }[] {
  const out: { pod: string; after?: string; until?: number }[] = [];
  for (const pod of pods) {
    const position = cursor[pod] ?? {};
    if (position === 'done') continue;
    const bound = [until, position.until].filter((b): b is number => b !== undefined);
    out.push({ pod, ...(position.after !== undefined ? { after: position.after } : {}), ...(bound.length > 0 ? { until: Math.min(...bound) } : {}) });
  }
  return out;
}
