/**
 * One sink's circuit: closed (writes flow), open (paused until `openMs` has passed after the
 * `failureThreshold`-th consecutive failure), half-open (one probe write decides). A threshold of 0
 * never opens.
 */
export function createCircuitBreaker(settings: { readonly failureThreshold: number; readonly openMs: number }, clock: () => number) {
  let state: 'closed' | 'open' | 'half-open' = 'closed';
  let failures = 0;
  let until = 0;
  return {
    /** Records a write's outcome; returns the transition it caused, if any, for logging. */
    record(ok: boolean): 'opened' | 'closed' | undefined {
      if (ok) {
        const wasOpen = state !== 'closed';
        state = 'closed';
        failures = 0;
        return wasOpen ? 'closed' : undefined;
      }
      failures += 1;
      if (settings.failureThreshold === 0 || (state === 'closed' && failures < settings.failureThreshold)) return undefined;
      const opened = state === 'closed';
      state = 'open';
      until = clock() + settings.openMs;
      return opened ? 'opened' : undefined;
    },
    /** How long writes must still wait (0 = write now); moves an expired open circuit to half-open. */
    waitMs(): number {
      if (state !== 'open') return 0;
      if (clock() < until) return until - clock();
      state = 'half-open';
      return 0;
    },
    /** A half-open circuit lets one event through as a probe. */
    get probing(): boolean {
      return state === 'half-open';
    },
    get open(): boolean {
      return state !== 'closed';
    },
  };
}

export type CircuitBreaker = ReturnType<typeof createCircuitBreaker>;
