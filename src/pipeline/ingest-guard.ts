import { performance } from 'node:perf_hooks';

export interface IngestGuardOptions {
  /** A commit is slow when it took longer than this many milliseconds and `spread` times the typical one (8). */
  readonly floorMs?: number;
  /** How many times the typical commit a slow one took at least (4). */
  readonly spread?: number;
  /** The largest factor (16). */
  readonly maxFactor?: number;
  /** The factor halves every this many milliseconds without a slow commit (10,000). */
  readonly halfLifeMs?: number;
  /** Milliseconds on a monotonic clock; `performance.now` unless given. */
  readonly now?: () => number;
}

/** How much of its typical latency a new observation moves (an exponentially weighted mean over about 64 commits). */
const weight = 1 / 64;
/** Commits observed before any is judged: the first ones (a cold start) set the usual time. */
const warmUp = 64;

/**
 * Background work yields to callbacks by how callbacks fare. Bulk admin changes (a redrive of a
 * million dead letters) and a sink's backlog of retries share the spool's commits, its WAL flushes and
 * the disk with the callbacks; on a small disk their writes (and the checkpoints that copy them back)
 * make a callback's flush wait tens of milliseconds now and then, even when the event loop has time to
 * spare. (Backfill is paced by its quota and the event loop instead, `backfill/pace.ts`: a rest from
 * this guard took it far below its quota's pace, bench/README.)
 *
 * Each new callback event's commit time (from handing it to the spool until it is durable; not a
 * required sink's write in direct mode) is observed. After the first 64, one that took both longer
 * than `floorMs` and `spread` times the typical commit (a running mean, to which one observation adds
 * at most `spread` times the mean plus `floorMs`, so a single stall does not blind it) is a slow one,
 * and each doubles the factor, up to `maxFactor`; the factor halves every `halfLifeMs` without one.
 * Callbacks that share a slow WAL flush are slow together, so one slow flush under concurrent
 * callbacks raises the factor several times over: background work backs off at once, and comes back
 * over the next seconds. Background work multiplies its rests by the factor: at 1 it runs as fast as it did
 * alone, at 16 it takes a sixteenth of that share. A large job `hold`s the factor at its start (a slow
 * start), so its first seconds do not run at full pace before a slow commit is seen. A uniformly slow ingest (saturation: every commit
 * waits) raises the typical time with it and is not a reason to hold background work back; a tail
 * that stands out from it is.
 */
export function createIngestGuard(options: IngestGuardOptions = {}) {
  const { floorMs = 8, spread = 4, maxFactor = 16, halfLifeMs = 10_000, now = () => performance.now() } = options;
  let typical = 0;
  let observed = 0;
  let raised = 1;
  let raisedAt = 0;
  let slow = 0;

  function factor(): number {
    if (raised === 1) return 1;
    return Math.max(1, raised * 2 ** (-(now() - raisedAt) / halfLifeMs));
  }

  return {
    /** The monotonic clock the guard reads: `observe` takes a commit's start on it. */
    now,
    /** A callback's commit that began at `startedAt` (on `now`) is durable now. */
    observe(startedAt: number): void {
      const ms = Math.max(0, now() - startedAt);
      observed += 1;
      if (observed <= warmUp) {
        typical += (ms - typical) / observed;
        return;
      }
      const isSlow = ms > floorMs && ms > spread * typical;
      typical += (Math.min(ms, spread * typical + floorMs) - typical) * weight;
      if (!isSlow) return;
      slow += 1;
      raised = Math.min(maxFactor, factor() * 2);
      raisedAt = now();
    },
    /** How many times its usual rest background work takes now: 1 when callbacks fare as usual. */
    factor,
    /**
     * Large background work is about to start (a bulk admin job): it starts at the largest factor and
     * speeds up as the factor halves, unless callbacks' commits keep it up. Like TCP's slow start: the
     * first seconds of a redrive at full pace are what slowed callbacks before the guard noticed.
     */
    hold(): void {
      raised = maxFactor;
      raisedAt = now();
    },
    /** Slow commits seen so far. */
    get slowCommits(): number {
      return slow;
    },
  };
}

export type IngestGuard = ReturnType<typeof createIngestGuard>;
