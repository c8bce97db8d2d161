import type { FailureReason } from '../errors';
import type { SinkBacklog } from './spool';

export interface SpoolLimits {
  /** Most events waiting for any one configured sink; 0 = no limit. */
  readonly maxPending: number;
  /** Most bytes of undelivered data (the database's live pages, without delivered history that can go and without the quarantine); 0 = no limit. */
  readonly maxBytes: number;
  /** Oldest pending event, in ms; 0 = no limit. */
  readonly maxAgeMs: number;
}

/** What the spool tells the pressure watch; every reading is O(1) or O(log n) (`Spool` implements it). */
export interface SpoolReadings {
  /** The configured sinks: pending rows of any other sink are orphans, reported but never counted toward a bound. */
  readonly sinkNames: readonly string[];
  backlog(): readonly SinkBacklog[];
  deadLetterCounts(): readonly { sink: string; count: number }[];
  /** Bytes of live database pages, without the quarantine's bodies. */
  storedBytes(): number;
  quarantineSize(): { readonly entries: number; readonly bytes: number };
  /** When the oldest stored event was received: de-duplication and replay reach back to here. */
  historyFrom(): number | undefined;
  /** Why the spool cannot be trusted (corrupt, or a file deleted under it), or undefined. */
  damage(): string | undefined;
  /** A reading failed: the spool decides whether the error means it is damaged. */
  noteError(error: unknown): void;
  /** Removes delivered events oldest first until `storedBytes()` is at most `targetBytes`. */
  relieve(targetBytes: number): Promise<{ readonly removed: number; readonly exhausted: boolean }>;
}

/** One reading of the spool, taken once per interval and shared by the bound check, /readyz and the gauges. */
export interface SpoolSnapshot {
  readonly at: number;
  /** One row per configured sink (pending 0 when none waits). */
  readonly backlog: readonly SinkBacklog[];
  /** Pending rows of sinks that are no longer configured. */
  readonly orphans: readonly SinkBacklog[];
  readonly deadLetters: readonly { sink: string; count: number }[];
  readonly bytes: number;
  readonly quarantine: { readonly entries: number; readonly bytes: number };
  readonly historyFrom: number | undefined;
}

/** What one round of pruning under byte pressure did. */
export interface Relief {
  readonly removed: number;
  /** Nothing delivered was left to remove: what remains is undelivered data (and the newest history). */
  readonly exhausted: boolean;
  readonly historyFrom: number | undefined;
}

/** One reading of the spool: kept counts and index lookups only, so its cost does not grow with the backlog. */
export function readSpool(spool: Omit<SpoolReadings, 'relieve' | 'damage' | 'noteError'>, at: number = Date.now()): SpoolSnapshot {
  const rows = spool.backlog();
  return {
    at,
    backlog: spool.sinkNames.map((sink) => rows.find((row) => row.sink === sink) ?? { sink, pending: 0, oldestReceivedAt: undefined }),
    orphans: rows.filter((row) => !spool.sinkNames.includes(row.sink)),
    deadLetters: spool.deadLetterCounts(),
    bytes: spool.storedBytes(),
    quarantine: spool.quarantineSize(),
    historyFrom: spool.historyFrom(),
  };
}

/**
 * Why the spool refuses new callbacks: `spool_full` clears by itself once sinks catch up,
 * `spool_damaged` needs an operator (docs/runbooks.md).
 */
export interface Refusal {
  readonly reason: Extract<FailureReason, 'spool_full' | 'spool_damaged'>;
  readonly text: string;
}

const damaged = (damage: string): Refusal => ({ reason: 'spool_damaged', text: `spool is damaged (${damage}); see the runbook` });

/** Pruning under pressure starts at this share of `maxBytes` and aims for `reliefTarget` of it. */
const reliefStart = 0.9;
const reliefTarget = 0.8;

/**
 * Reads the spool once per interval (never per request) into a snapshot and says, in words, which
 * bound is exceeded. Over a bound the gateway refuses new callbacks with 503 and reports not ready,
 * while what was accepted keeps flowing to the sinks. Bounds protect undelivered data, not history:
 * when the bytes near `maxBytes`, delivered events are pruned oldest first (the de-duplication window
 * shortens, `onRelief` says by how much), and only undelivered data past the bound refuses callbacks.
 */
export function createSpoolPressure(deps: {
  readonly spool: SpoolReadings;
  readonly limits: SpoolLimits;
  readonly clock?: () => number;
  readonly intervalMs?: number;
  /** After a relief that removed something or found nothing to remove (for the log and metrics). */
  readonly onRelief?: (relief: Relief) => void;
  /** After a relief found nothing to remove, wait this long before trying again. */
  readonly reliefBackoffMs?: number;
}) {
  const clock = deps.clock ?? Date.now;
  let refusal: Refusal | undefined;
  let snapshot: SpoolSnapshot = read(undefined);
  let relieving = false;
  /** The last relief found nothing to remove: when, and how much was pending then. */
  let exhausted: { readonly at: number; readonly pending: number } | undefined;
  const pendingOf = (now: SpoolSnapshot) => now.backlog.reduce((sum, row) => sum + row.pending, 0);

  /**
   * A spool that cannot be read (corrupt pages) must not crash the gateway or stop the readings: the
   * error goes to the spool (which marks itself damaged, so callbacks get 503 and /readyz says why) and
   * the last readings stand.
   */
  function read(last: SpoolSnapshot | undefined): SpoolSnapshot {
    try {
      return readSpool(deps.spool, clock());
    } catch (error) {
      deps.spool.noteError(error);
      return last ?? { at: clock(), backlog: [], orphans: [], deadLetters: [], bytes: 0, quarantine: { entries: 0, bytes: 0 }, historyFrom: undefined };
    }
  }

  function measure(now: SpoolSnapshot): Refusal | undefined {
    const damage = deps.spool.damage();
    if (damage !== undefined) return damaged(damage);
    const full = bound(now);
    return full === undefined ? undefined : { reason: 'spool_full', text: full };
  }

  function bound(now: SpoolSnapshot): string | undefined {
    const { maxPending, maxBytes, maxAgeMs } = deps.limits;
    const worst = now.backlog.reduce((a, b) => (b.pending > a.pending ? b : a), { sink: '', pending: 0, oldestReceivedAt: undefined } as SinkBacklog);
    if (maxPending > 0 && worst.pending >= maxPending) return `spool is full: ${worst.pending} events wait for sink ${worst.sink} (limit ${maxPending})`;
    if (maxBytes > 0) {
      if (now.bytes >= maxBytes * reliefStart) relieve(maxBytes, now);
      // History is pruned to make room; only undelivered data past the bound refuses callbacks.
      if (now.bytes >= maxBytes && exhausted !== undefined) return `spool is full: ${now.bytes} bytes of undelivered events (limit ${maxBytes})`;
    }
    if (maxAgeMs > 0) {
      const oldest = Math.min(...now.backlog.map((row) => row.oldestReceivedAt ?? Infinity));
      if (Number.isFinite(oldest) && now.at - oldest >= maxAgeMs) {
        return `spool is full: an event has waited ${Math.round((now.at - oldest) / 1000)} s (limit ${Math.round(maxAgeMs / 1000)} s)`;
      }
    }
    return undefined;
  }

  function relieve(maxBytes: number, now: SpoolSnapshot): void {
    if (relieving) return;
    // After finding nothing to remove, try again once events were delivered since, or after a while.
    if (exhausted !== undefined && pendingOf(now) >= exhausted.pending && now.at - exhausted.at < (deps.reliefBackoffMs ?? 30_000)) return;
    exhausted = undefined;
    relieving = true;
    const pendingBefore = pendingOf(now);
    void (async () => {
      let relief: Relief | undefined;
      try {
        const result = await deps.spool.relieve(Math.floor(maxBytes * reliefTarget));
        exhausted = result.exhausted ? { at: clock(), pending: pendingBefore } : undefined;
        if (result.removed > 0 || result.exhausted) relief = { ...result, historyFrom: deps.spool.historyFrom() };
      } catch {
        // The next reading tries again; a spool that cannot be written reports itself unhealthy.
      } finally {
        relieving = false;
      }
      refresh();
      if (relief) deps.onRelief?.(relief);
    })();
  }

  function refresh(): void {
    try {
      snapshot = read(snapshot);
      refusal = measure(snapshot);
    } catch (error) {
      // A reading that fails is itself a sign of damage: better not ready than blind.
      const damage = deps.spool.damage();
      refusal = damage !== undefined ? damaged(damage) : { reason: 'spool_damaged', text: `spool cannot be read: ${(error as Error).message}` };
    }
  }

  refresh();
  const timer = setInterval(refresh, deps.intervalMs ?? 1000);
  timer.unref();
  return {
    /** The exceeded bound (or the damage) in words, or undefined. */
    reason: () => refusal?.text,
    /** Why callbacks are refused now, as a catalogue reason and words, or undefined. */
    refusal: () => refusal,
    /** The latest reading (at most one interval old). */
    snapshot: () => snapshot,
    refresh,
    stop: () => clearInterval(timer),
  };
}

export type SpoolPressure = ReturnType<typeof createSpoolPressure>;
