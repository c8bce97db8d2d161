import type { Event } from '../../events/event';

/** How many of the newest appended events are kept in memory by seq (`createRecentEvents`). */
export const defaultRecentEvents = 1024;

/**
 * The newest appended events by seq, as the intake made them, each until every sink whose route takes
 * it has read it: a sink that reads its next events soon after they were appended (the usual case:
 * deliveries follow the commits by milliseconds) takes the objects themselves instead of parsing stored
 * attributes or running a vendor's mapping again, and the objects are let go as soon as the last such
 * sink has them (held longer, they outlive the young generation and cost full collections). At most
 * `capacity` are held: past it the oldest goes (a sink that far behind reads it from the log). Entries
 * are added inside the append's transaction; one whose transaction was rolled back is never read (seqs
 * are not used again, and a read starts from a row of the log) and goes the same way.
 */
export function createRecentEvents(capacity = defaultRecentEvents) {
  const events = new Map<number, { readonly event: Event; readers: number }>();
  return {
    /** `event` at `seq`, to be read by `readers` sinks. */
    add(seq: number, event: Event, readers: number): void {
      if (readers <= 0) return;
      events.set(seq, { event, readers });
      if (events.size > capacity) events.delete(events.keys().next().value as number);
    },
    get: (seq: number): Event | undefined => events.get(seq)?.event,
    /** One of its sinks has taken the event at `seq`. */
    taken(seq: number): void {
      const entry = events.get(seq);
      if (entry !== undefined && --entry.readers <= 0) events.delete(seq);
    },
    /** An event removed from the log (forgotten, or a direct mode failure): not handed out again. */
    delete(seq: number): void {
      events.delete(seq);
    },
    get size(): number {
      return events.size;
    },
  };
}

export type RecentEvents = ReturnType<typeof createRecentEvents>;
