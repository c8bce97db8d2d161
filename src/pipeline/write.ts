import { BatchError, type Sink } from '../sinks/sink';
import type { Event } from '../events/event';

/** What one write of a batch did: the index and reason of each event it did not deliver. */
export interface WriteResult {
  readonly failures: ReadonlyMap<number, unknown>;
  readonly timedOut: boolean;
  readonly seconds: number;
}

/**
 * Writes a batch under `timeoutMs`, the one way the pipeline calls a sink (dispatcher and direct mode):
 * the write is raced with its abort signal, so a sink that ignores the signal cannot stall the caller,
 * and the outcome is per event (a `BatchError` names the failed events; any other rejection or a time-out
 * fails them all).
 */
export async function attemptWrite(sink: Sink, events: readonly Event[], timeoutMs: number): Promise<WriteResult> {
  const started = performance.now();
  const signal = AbortSignal.timeout(timeoutMs);
  let failures: ReadonlyMap<number, unknown> = new Map();
  try {
    await Promise.race([sink.write(events, signal), rejectOnAbort(signal)]);
  } catch (error) {
    if (signal.aborted) failures = new Map(events.map((_, index) => [index, new Error(`timed out after ${timeoutMs} ms`)]));
    else if (error instanceof BatchError) failures = new Map([...error.failures].filter(([index]) => Number.isInteger(index) && index >= 0 && index < events.length));
    else failures = new Map(events.map((_, index) => [index, error]));
  }
  return { failures, timedOut: signal.aborted, seconds: (performance.now() - started) / 1000 };
}

/** Settles (rejects) when `signal` aborts. */
function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
