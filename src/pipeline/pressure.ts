import { statSync } from 'node:fs';
import type { SinkBacklog } from './spool';

export interface SpoolLimits {
  /** Most events waiting for any one sink; 0 = no limit. */
  readonly maxPending: number;
  /** Most bytes of spool files on disk (database + WAL); 0 = no limit. */
  readonly maxBytes: number;
  /** Oldest pending event, in ms; 0 = no limit. */
  readonly maxAgeMs: number;
}

/**
 * Watches the spool's bounds once a second (never per request) and says, in words, which one is
 * exceeded. Over a bound the gateway refuses new callbacks with 503 and reports not ready, while what
 * was accepted keeps flowing to the sinks.
 */
export function createSpoolPressure(deps: {
  readonly backlog: () => readonly SinkBacklog[];
  readonly files: readonly string[];
  readonly limits: SpoolLimits;
  readonly clock?: () => number;
  readonly intervalMs?: number;
}) {
  const clock = deps.clock ?? Date.now;
  let reason: string | undefined;

  function measure(): string | undefined {
    const { maxPending, maxBytes, maxAgeMs } = deps.limits;
    const rows = deps.backlog();
    const worst = rows.reduce((a, b) => (b.pending > a.pending ? b : a), { sink: '', pending: 0, oldestReceivedAt: undefined } as SinkBacklog);
    if (maxPending > 0 && worst.pending >= maxPending) return `spool is full: ${worst.pending} events wait for sink ${worst.sink} (limit ${maxPending})`;
    if (maxBytes > 0) {
      const bytes = deps.files.reduce((sum, file) => sum + fileSize(file), 0);
      if (bytes >= maxBytes) return `spool is full: ${bytes} bytes on disk (limit ${maxBytes})`;
    }
    if (maxAgeMs > 0) {
      const oldest = Math.min(...rows.map((row) => row.oldestReceivedAt ?? Infinity));
      if (Number.isFinite(oldest) && clock() - oldest >= maxAgeMs) {
        return `spool is full: an event has waited ${Math.round((clock() - oldest) / 1000)} s (limit ${Math.round(maxAgeMs / 1000)} s)`;
      }
    }
    return undefined;
  }

  function refresh(): void {
    try {
      reason = measure();
    } catch {
      reason = undefined;
    }
  }

  refresh();
  const timer = setInterval(refresh, deps.intervalMs ?? 1000);
  timer.unref();
  return {
    /** The exceeded bound in words, or undefined. */
    reason: () => reason,
    refresh,
    stop: () => clearInterval(timer),
  };
}

export type SpoolPressure = ReturnType<typeof createSpoolPressure>;

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
