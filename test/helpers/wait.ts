/**
 * The one way tests wait: on a condition, never on time. `until` polls `condition` until it holds;
 * between looks it may run `step` (e.g. move the injected clock so retries and backoffs come due).
 * Only the deadline is real time: it turns a condition that never holds into a clear failure.
 * The lint (eslint.config.mjs) keeps timers out of every other test file.
 */
export interface UntilOptions {
  /** Real-time deadline; the default suits a loaded machine. */
  readonly timeoutMs?: number;
  /** Runs between looks, e.g. `() => (clock.now += 1000)`. */
  readonly step?: () => void;
  /** What was awaited, for the failure message. */
  readonly what?: string;
}

/** Resolves once `condition` holds (a condition that throws counts as not yet; its last error is the cause of a timeout). */
export async function until(condition: () => unknown, options: UntilOptions | number = {}): Promise<void> {
  const { timeoutMs = 10_000, step, what } = typeof options === 'number' ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await condition()) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const last = lastError === undefined ? '' : ` (last error: ${lastError instanceof Error ? lastError.message : String(lastError)})`;
      throw new Error(`condition not met in ${timeoutMs} ms${what ? `: ${what}` : ''}${last}`, { cause: lastError });
    }
    step?.();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Whether `condition` comes to hold within `timeoutMs` (for conditions that may rightly never hold). */
export function holdsWithin(condition: () => unknown, options: UntilOptions | number): Promise<boolean> {
  return until(condition, options).then(
    () => true,
    () => false,
  );
}

/** Lets other callbacks queued on the event loop run once (not a wait on time). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Counts turns of the event loop (one per check phase) until `stop`: code that yields lets it move. */
export function turnCounter(): { readonly turns: number; stop(): void } {
  let turns = 0;
  let running = true;
  const tick = (): void => {
    turns += 1;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  return {
    get turns() {
      return turns;
    },
    stop() {
      running = false;
    },
  };
}
