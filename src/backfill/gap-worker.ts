/** Starts a pass over the open gaps again (after new ones were recorded). */
export type BackfillTrigger = () => void;

/** What a pass left behind: a gap it failed to fill (tried again soon), or one waiting for the vendor (tried again later). */
export interface PassResult {
  readonly failed: boolean;
  readonly waiting?: boolean | undefined;
}

/**
 * Runs `pass` one at a time: a trigger while it runs makes it run once more right after; a pass that
 * reports a failure runs again after `retryMs` (the failed gap stayed open), one that left a gap
 * waiting for the vendor (an Easemob hour file not stored yet) after `waitMs`. `stop` aborts the
 * signal and waits for the pass in progress.
 */
export function createGapWorker(pass: (signal: AbortSignal) => Promise<PassResult>, options: { retryMs?: number; waitMs?: number } = {}) {
  const stop = new AbortController();
  let running: Promise<void> | undefined;
  let again = false;
  const trigger: BackfillTrigger = () => {
    if (stop.signal.aborted) return;
    if (running) {
      again = true;
      return;
    }
    again = false;
    running = pass(stop.signal)
      .catch(() => ({ failed: true }))
      .then(({ failed, waiting }: PassResult) => {
        running = undefined;
        if (stop.signal.aborted) return;
        if (again) trigger();
        else if (failed) setTimeout(trigger, options.retryMs ?? 5000).unref();
        // As often as the hourly reconciliation asks again for a file not stored yet.
        else if (waiting) setTimeout(trigger, options.waitMs ?? 10 * 60_000).unref();
      });
  };
  return {
    trigger,
    async stop(): Promise<void> {
      stop.abort();
      await running;
    },
  };
}
