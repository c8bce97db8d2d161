/** Starts a pass over the open gaps again (after new ones were recorded). */
export type BackfillTrigger = () => void;

/**
 * Runs `pass` one at a time: a trigger while it runs makes it run once more right after; a pass that
 * reports a failure runs again after `retryMs` (the failed gap stayed open). `stop` aborts the signal
 * and waits for the pass in progress.
 */
export function createGapWorker(pass: (signal: AbortSignal) => Promise<{ failed: boolean }>, options: { retryMs?: number } = {}) {
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
      .then(({ failed }) => {
        running = undefined;
        if (stop.signal.aborted) return;
        if (again) trigger();
        else if (failed) setTimeout(trigger, options.retryMs ?? 5000).unref();
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
