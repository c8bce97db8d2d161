/**
 * Turns of the event loop for background work (a backfill's pages and slices, the deliveries of
 * backfilled events, the history answers they come from): each waiter is let go in a turn of its
 * own, after that turn's I/O. Work of several background tasks that becomes ready together (a flush
 * completes, answers arrive) then takes turns with callbacks' requests and replies instead of running
 * back to back in one long turn while they wait. Side by side during a 100,000-message fill (ten
 * alternating runs), callbacks' p99 was lower in 7 of 10, by about a tenth (bench/README, backfill).
 */
export interface BackgroundTurns {
  /** Resolves in a later turn of the event loop: waiters in the order they asked, one per turn. */
  next(): Promise<void>;
}

export function createBackgroundTurns(): BackgroundTurns {
  const waiting: (() => void)[] = [];
  let armed = false;
  // One waiter per check phase: an immediate queued from inside one runs in the next turn, after its poll phase.
  const letOneGo = (): void => {
    armed = false;
    waiting.shift()?.();
    if (waiting.length > 0) arm();
  };
  const arm = (): void => {
    armed = true;
    setImmediate(letOneGo);
  };
  return {
    next: () =>
      new Promise<void>((resolve) => {
        waiting.push(resolve);
        if (!armed) arm();
      }),
  };
}

/** The process's one event loop, shared by all its background work. */
const shared = createBackgroundTurns();

/** A turn of the event loop for background work (see `createBackgroundTurns`), shared process-wide. */
export const backgroundTurn = (): Promise<void> => shared.next();
