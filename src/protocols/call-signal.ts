/** The signal of one outbound call and `done`, run once the call has settled. */
export interface CallSignal {
  readonly signal: AbortSignal;
  /** The call settled: its timer is cleared and its listener on the caller's signal removed. */
  done(): void;
}

/**
 * A signal for one outbound call: aborted with the caller's reason when `signal` aborts, or with a
 * `TimeoutError` (as `AbortSignal.timeout` gives) after `ms`. Unlike `AbortSignal.any([signal,
 * AbortSignal.timeout(ms)])`, it is undone when the call settles: a call answered in milliseconds does not
 * leave a timer to fire `ms` later, make its exception and abort a signal nobody listens to any more, and
 * a backfill makes hundreds of calls a second. Like `AbortSignal.timeout`, the timer alone does not keep
 * the process alive.
 */
export function callSignal(signal: AbortSignal | undefined, ms: number): CallSignal {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`a call's timeout must be a finite number of milliseconds, not ${ms}`);
  const controller = new AbortController();
  const stop = (): void => controller.abort(signal?.reason);
  const timer = setTimeout(() => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), ms);
  timer.unref();
  if (signal?.aborted === true) stop();
  else signal?.addEventListener('abort', stop, { once: true });
  return {
    signal: controller.signal,
    done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', stop);
    },
  };
}
