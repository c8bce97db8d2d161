/** Conversations read side by side at most, however long the round trips. */
export const maxConversationsInFlight = 16;

/** Conversations read side by side before any round trip is measured. */
export const firstConversationsInFlight = 2;

/** How many conversations to read side by side: asked again whenever it may have changed. */
export interface ConversationsWanted {
  now(): number;
  /** Calls `listener` after each change of `now()` may have come; returns what stops it. */
  watch(listener: () => void): () => void;
}

/**
 * The history calls of one fill, timed, and from them how many conversations it reads side by side.
 * A conversation's calls go one after another (each continues where the answer before it ended), so
 * each reader makes one call a cycle: the call's round trip (the request to its answer, the quota's
 * wait not included, `record`) and the time until its next call (the answer's messages handed to the
 * intake, `handled`). To make `perSecond` calls a second takes `perSecond` × the cycle of them at once
 * (Little's law); twice that, and one more, so that conversations that end early (a fill's last ones
 * read while fewer are left) still leave the quota the pace: 2 on a vendor a millisecond away, 16 (the
 * most) at a 40 ms round trip and 200 calls a second. More than needed only holds answers in memory and
 * the event loop busier. Each part is a moving average (each call weighs a fifth).
 */
export function createRoundTrips(perSecond: number): { record(ms: number): void; handled(ms: number): void; readonly wanted: ConversationsWanted } {
  const listeners = new Set<() => void>();
  const averages: { trip?: number; handling?: number } = {};
  const add = (part: 'trip' | 'handling', ms: number): void => {
    if (!Number.isFinite(ms) || ms < 0) return;
    const before = averages[part];
    averages[part] = before === undefined ? ms : before * 0.8 + ms * 0.2;
    for (const listener of listeners) listener();
  };
  const wanted = (): number => {
    if (averages.trip === undefined) return firstConversationsInFlight;
    const cycle = averages.trip + (averages.handling ?? 0);
    return Math.min(maxConversationsInFlight, Math.max(1, Math.ceil((2 * perSecond * cycle) / 1000) + 1));
  };
  return {
    record: (ms) => add('trip', ms),
    handled: (ms) => add('handling', ms),
    wanted: {
      now: wanted,
      watch(listener) {
        listeners.add(listener);
        return () => void listeners.delete(listener);
      },
    },
  };
}

export type RoundTrips = ReturnType<typeof createRoundTrips>;
