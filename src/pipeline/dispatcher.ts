import type { Logger } from 'pino';
import type { Metrics } from '../metrics';
import type { Sink } from '../sinks/sink';
import { backoffDelay } from './retry';
import type { Spool, SpooledEvent } from './spool';

export interface Lane {
  readonly sink: Sink;
  readonly batchSize: number;
  readonly timeoutMs: number;
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
}

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
 * sink delays only itself. A lane takes the oldest due events, writes them as one batch under a
 * timeout, and on success removes them from its pending set; on failure it schedules them again with
 * exponential backoff and full jitter.
 */
export function createDispatcher(deps: DispatcherDeps) {
  const clock = deps.clock ?? Date.now;
  const idleMs = deps.idleMs ?? 1000;
  let stopping = false;
  const wakers = new Set<() => void>();
  const runs: Promise<void>[] = [];

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
    const name = lane.sink.name;
    const started = performance.now();
    const signal = AbortSignal.timeout(lane.timeoutMs);
    try {
      await Promise.race([lane.sink.write(batch.map((item) => item.event), signal), rejectOnAbort(signal)]);
    } catch (error) {
      const timedOut = signal.aborted;
      deps.metrics.sinkDelivered(name, timedOut ? 'timeout' : 'error', batch.length, (performance.now() - started) / 1000);
      const attempts = Math.min(...batch.map((item) => item.attempts));
      const delay = backoffDelay(attempts, lane);
      const message = timedOut ? `timed out after ${lane.timeoutMs} ms` : errorText(error);
      deps.logger.warn({ sink: name, events: batch.length, attempts: attempts + 1, retryInMs: delay, err: message }, 'sink write failed');
      await deps.spool.failed(name, batch.map((item) => item.seq), message, clock() + delay);
      return;
    }
    deps.metrics.sinkDelivered(name, 'ok', batch.length, (performance.now() - started) / 1000);
    await deps.spool.delivered(name, batch.map((item) => item.seq));
  }

  async function run(lane: Lane): Promise<void> {
    while (!stopping) {
      try {
        const batch = deps.spool.due(lane.sink.name, clock(), lane.batchSize);
        if (batch.length > 0) {
          await deliver(lane, batch);
          continue;
        }
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
    /** Lets each lane finish its current write (bounded by the sink timeout), then stops. */
    async stop(): Promise<void> {
      stopping = true;
      wakeAll();
      await Promise.all(runs);
    },
  };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;

/** Settles (rejects) when `signal` aborts, so a sink that ignores its signal cannot stall a lane. */
function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
