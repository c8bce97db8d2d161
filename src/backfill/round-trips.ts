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
 * The round trips of one fill's history calls (from the request sent to its answer, the quota's wait
 * not included), and from them how many conversations it reads side by side. A conversation's calls
 * go one after another (each continues where the answer before it ended), so to make `perSecond`
 * calls a second it takes `perSecond` × the round trip of them in flight (Little's law), and one more
 * for the time between an answer and the next call: 2 on a vendor a millisecond away, 9 at 40 ms and
 * 200 calls a second. More than that only holds pages in memory and the event loop busier, the quota
 * being the pace. The round trip is a moving average (each call weighs a fifth).
 */
export function createRoundTrips(perSecond: number): { record(ms: number): void; readonly wanted: ConversationsWanted } {
  let average: number | undefined;
  const listeners = new Set<() => void>();
  const wanted = (): number => {
    if (average === undefined) return firstConversationsInFlight;
    return Math.min(maxConversationsInFlight, Math.max(1, Math.ceil((perSecond * average) / 1000) + 1));
  };
  return {
    record(ms) {
      if (!Number.isFinite(ms) || ms < 0) return;
      average = average === undefined ? ms : average * 0.8 + ms * 0.2;
      for (const listener of listeners) listener();
    },
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
