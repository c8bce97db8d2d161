import type { Logger } from 'pino';
import { eventToJson } from '../events/event';
import type { Metrics } from '../metrics';
import { PermanentSinkError, RetryLaterError, type DeliverySettings, type Sink } from '../sinks/sink';
import { createCircuitBreaker, type CircuitBreaker } from './circuit-breaker';
import { backoffDelay } from './retry';
import type { Spool, SpooledEvent } from './spool';

export type Lane = Pick<
  DeliverySettings,
  | 'batchSize'
  | 'timeoutMs'
  | 'retryInitialMs'
  | 'retryMaxMs'
  | 'maxAttempts'
  | 'maxAgeMs'
  | 'maxBatchBytes'
  | 'lingerMs'
  | 'concurrency'
  | 'required'
  | 'circuitBreaker'
> & { readonly sink: Sink };

/** Defaults for lanes built by hand (tests); configured sinks get theirs from the config schema. */
export const laneDefaults = {
  maxAttempts: 0,
  maxAgeMs: 0,
  maxBatchBytes: 1024 * 1024,
  lingerMs: 0,
  concurrency: 1,
  required: true,
  circuitBreaker: { failureThreshold: 0, openMs: 30_000 },
} as const;


export interface DispatcherDeps {
  readonly spool: Spool;
  readonly lanes: readonly Lane[];
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly clock?: () => number;
  /** Longest sleep when nothing is due; new events wake the lanes at once. */
  readonly idleMs?: number;
}

/**
 * Delivers spooled events to every sink, each in its own lane with its own progress: a slow or failing
 * sink delays only itself. A lane takes the oldest due events, writes them in batches (up to
 * `concurrency` at once) under a timeout, and on success removes them from its pending set. On failure
 * it schedules them again with exponential backoff and full jitter (or the sink's Retry-After), and
 * moves them to dead letters when the sink says retrying cannot help or the attempt or age limit is hit.
 */
export function createDispatcher(deps: DispatcherDeps) {
  const clock = deps.clock ?? Date.now;
  const idleMs = deps.idleMs ?? 1000;
  let stopping = false;
  const wakers = new Set<() => void>();
  const runs: Promise<void>[] = [];
  const circuits = new Map<string, CircuitBreaker>(deps.lanes.map((lane) => [lane.sink.name, createCircuitBreaker(lane.circuitBreaker, clock)]));

  function recordOutcome(lane: Lane, ok: boolean): void {
    const change = (circuits.get(lane.sink.name) as CircuitBreaker).record(ok);
    if (change === 'opened') deps.logger.warn({ sink: lane.sink.name, openMs: lane.circuitBreaker.openMs }, 'circuit opened');
    if (change === 'closed') deps.logger.info({ sink: lane.sink.name }, 'circuit closed');
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      wakers.add(done);
    });
  }

  function wakeAll(): void {
    for (const wake of [...wakers]) wake();
  }

  async function deliver(lane: Lane, batch: SpooledEvent[]): Promise<void> {
    const started = performance.now();
    const signal = AbortSignal.timeout(lane.timeoutMs);
    const seconds = () => (performance.now() - started) / 1000;
    try {
      await Promise.race([lane.sink.write(batch.map((item) => item.event), signal), rejectOnAbort(signal)]);
    } catch (error) {
      recordOutcome(lane, false);
      deps.metrics.sinkDelivered(lane.sink.name, signal.aborted ? 'timeout' : 'error', batch.length, seconds());
      await writeFailed(lane, batch, error, signal.aborted ? `timed out after ${lane.timeoutMs} ms` : errorText(error));
      return;
    }
    recordOutcome(lane, true);
    deps.metrics.sinkDelivered(lane.sink.name, 'ok', batch.length, seconds());
    await deps.spool.delivered(lane.sink.name, batch.map((item) => item.seq));
  }

  /**
   * Per event: a permanent refusal, or this failure reaching the attempt or age limit, moves it to dead
   * letters; the rest wait for the next attempt (backoff with full jitter, or the sink's Retry-After).
   */
  async function writeFailed(lane: Lane, batch: SpooledEvent[], error: unknown, message: string): Promise<void> {
    const name = lane.sink.name;
    const now = clock();
    const givesUp = (item: SpooledEvent) =>
      error instanceof PermanentSinkError ||
      (lane.maxAttempts > 0 && item.attempts + 1 >= lane.maxAttempts) ||
      (lane.maxAgeMs > 0 && now - item.receivedAt >= lane.maxAgeMs);
    const dead = batch.filter(givesUp);
    const retry = batch.filter((item) => !givesUp(item));
    if (dead.length > 0) {
      deps.logger.error({ sink: name, events: dead.length, err: message }, 'events moved to dead letters');
      await deps.spool.deadLetter(name, dead.map((item) => item.seq), message, now);
    }
    if (retry.length === 0) return;
    const attempts = Math.min(...retry.map((item) => item.attempts)) + 1;
    const retryAfter = error instanceof RetryLaterError ? error.retryAfterMs : 0;
    const delay = Math.max(backoffDelay(attempts - 1, lane), retryAfter);
    deps.logger.warn({ sink: name, events: retry.length, attempts, retryInMs: delay, err: message }, 'sink write failed');
    await deps.spool.failed(name, retry.map((item) => item.seq), message, now + delay, now);
  }

  /** One pass: take due events and write them; resolves false when nothing was due. */
  async function pass(lane: Lane): Promise<boolean> {
    const circuit = circuits.get(lane.sink.name) as CircuitBreaker;
    const wait = circuit.waitMs();
    if (wait > 0) {
      await sleep(wait);
      return true;
    }
    const due = deps.spool.due(lane.sink.name, clock(), circuit.probing ? 1 : lane.batchSize * lane.concurrency);
    if (due.length === 0) return false;
    if (due.length < lane.batchSize && lane.lingerMs > 0) {
      const waited = clock() - Math.min(...due.map((item) => item.receivedAt));
      if (waited < lane.lingerMs) {
        await sleep(lane.lingerMs - waited);
        if (!stopping) return true;
      }
    }
    await Promise.all(splitBatches(due, lane).map((batch) => deliver(lane, batch)));
    return true;
  }

  async function run(lane: Lane): Promise<void> {
    while (!stopping) {
      try {
        if (await pass(lane)) continue;
        const next = deps.spool.nextDueAt(lane.sink.name);
        await sleep(next === undefined ? idleMs : Math.min(idleMs, next - clock()));
      } catch (error) {
        deps.logger.error({ sink: lane.sink.name, err: errorText(error) }, 'dispatch failed; retrying');
        await sleep(idleMs);
      }
    }
  }

  deps.spool.onAppend(wakeAll);

  return {
    start(): void {
      for (const lane of deps.lanes) runs.push(run(lane));
    },
    /** Sinks whose circuit is not closed (open, or half-open waiting for its probe). */
    openCircuits(): { sink: string; required: boolean }[] {
      return deps.lanes
        .filter((lane) => circuits.get(lane.sink.name)?.open)
        .map((lane) => ({ sink: lane.sink.name, required: lane.required }));
    },
    /** Lets each lane finish its current writes (bounded by the sink timeout), then stops. */
    async stop(): Promise<void> {
      stopping = true;
      wakeAll();
      await Promise.all(runs);
    },
  };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;

/** Cuts due events into batches of at most `batchSize` events and `maxBatchBytes` serialized bytes. */
export function splitBatches(due: readonly SpooledEvent[], lane: Pick<Lane, 'batchSize' | 'maxBatchBytes'>): SpooledEvent[][] {
  const batches: SpooledEvent[][] = [];
  let current: SpooledEvent[] = [];
  let bytes = 0;
  for (const item of due) {
    const size = Buffer.byteLength(eventToJson(item.event));
    if (current.length > 0 && (current.length >= lane.batchSize || bytes + size > lane.maxBatchBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Settles (rejects) when `signal` aborts, so a sink that ignores its signal cannot stall a lane. */
function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
