import type { Database } from './sqlite';

export type GapKind = 'outage' | 'sequence' | 'window' | 'hour';
export const gapKinds: readonly GapKind[] = ['outage', 'sequence', 'window', 'hour'];

/** The gaps of one kind at the last write (for the metrics, read without a query). */
export interface GapCounts {
  /** How many are open, and the start of the oldest open one (how far back messages may be missing). */
  readonly open: number;
  readonly oldestOpenFrom: number | undefined;
  /** When the open one recorded first was recorded: how long the backfill has left a gap open. */
  readonly firstOpenDetectedAt: number | undefined;
  /** How many were settled `unfillable` (the spool keeps every gap, so this only grows). */
  readonly unfillable: number;
}
export type GapSummary = Readonly<Record<GapKind, GapCounts>>;

const none: GapCounts = { open: 0, oldestOpenFrom: undefined, firstOpenDetectedAt: undefined, unfillable: 0 };

/**
 * Counts the gaps by kind. Both queries walk the `(state, from_at)` index from its state, so they read
 * the open and the unfillable rows only, never the filled ones (which accumulate).
 */
export function gapSummaryQuery(db: Database): () => GapSummary {
  const open = db.prepare("SELECT kind, count(*) AS open, min(from_at) AS oldest, min(detected_at) AS first FROM gaps WHERE state = 'open' GROUP BY kind");
  const unfillable = db.prepare("SELECT kind, count(*) AS n FROM gaps WHERE state = 'unfillable' GROUP BY kind");
  return () => {
    const counts = Object.fromEntries(gapKinds.map((kind) => [kind, { ...none }])) as Record<GapKind, { -readonly [K in keyof GapCounts]: GapCounts[K] }>;
    for (const r of open.all() as { kind: GapKind; open: number; oldest: number | null; first: number | null }[]) {
      if (!(r.kind in counts)) continue;
      Object.assign(counts[r.kind], { open: r.open, oldestOpenFrom: r.oldest ?? undefined, firstOpenDetectedAt: r.first ?? undefined });
    }
    for (const r of unfillable.all() as { kind: GapKind; n: number }[]) if (r.kind in counts) counts[r.kind].unfillable = r.n;
    return counts;
  };
}

/** The summary before the first read (or of a spool whose gaps cannot be read). */
export const noGaps: GapSummary = Object.fromEntries(gapKinds.map((kind) => [kind, none])) as GapSummary;
