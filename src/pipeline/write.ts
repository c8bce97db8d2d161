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
 * the write is raced with its time-out, which also aborts the signal the sink gets, so a sink that
 * ignores the signal cannot stall the caller, and the outcome is per event (a `BatchError` names the
 * failed events; any other rejection or a time-out fails them all).
 *
 * The timer is cleared as soon as the write settles. (`AbortSignal.timeout` cannot be cancelled: every
 * write would leave its timer, signal, listener and promise alive for the whole time-out, thousands of
 * them at a few thousand writes per second, all promoted to the old generation and fired for nothing.)
 */
export async function attemptWrite(sink: Sink, events: readonly Event[], timeoutMs: number): Promise<WriteResult> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const reason = new DOMException(`The operation was aborted due to timeout`, 'TimeoutError');
      controller.abort(reason);
      reject(reason);
    }, timeoutMs);
    // Like AbortSignal.timeout: a pending write alone does not keep the process alive.
    timer.unref();
  });
  let failures: ReadonlyMap<number, unknown> = new Map();
  try {
    await Promise.race([sink.write(events, controller.signal), expired]);
  } catch (error) {
    if (controller.signal.aborted) failures = new Map(events.map((_, index) => [index, new Error(`timed out after ${timeoutMs} ms`)]));
    else if (error instanceof BatchError) failures = new Map([...error.failures].filter(([index]) => Number.isInteger(index) && index >= 0 && index < events.length));
    else failures = new Map(events.map((_, index) => [index, error]));
  } finally {
    clearTimeout(timer);
  }
  return { failures, timedOut: controller.signal.aborted, seconds: (performance.now() - started) / 1000 };
}
