import type { Event } from '../events/event';
import type { SeenConversation } from './window-filler';

/**
 * Collects the conversations that accepted events were sent in (from the common attributes every
 * vendor fills: vendor, appid, convtype, fromaccount, toaccount, groupid), keeping each one's latest
 * time until `take` hands them to the next alive note. At most `max` distinct conversations wait
 * between two notes; more are noted at the following one (their events are stored either way).
 */
export function createSeenWatch(options: { max?: number } = {}) {
  const max = options.max ?? 100_000;
  const pending = new Map<string, SeenConversation>();

  return {
    observe(event: Event, now: number): void {
      const seen = seenConversation(event, now);
      if (seen === undefined) return;
      const key = JSON.stringify([seen.vendor, seen.app, seen.kind, seen.a, seen.b ?? '']);
      if (!pending.has(key) && pending.size >= max) return;
      pending.set(key, seen);
    },
    /** The conversations seen since the last call (and forgets them). */
    take(): SeenConversation[] {
      const taken = [...pending.values()];
      pending.clear();
      return taken;
    },
  };
}

/** The conversation of one message event, seen at `now`, or undefined for any other event. */
export function seenConversation(event: Event, now: number): SeenConversation | undefined {
  const a = event.attributes;
  if (typeof a.vendor !== 'string' || typeof a.appid !== 'string') return undefined;
  if (a.convtype === 'c2c' && typeof a.fromaccount === 'string' && typeof a.toaccount === 'string') {
    const [first, second] = [a.fromaccount, a.toaccount].sort();
    return { vendor: a.vendor, app: a.appid, kind: 'user', a: first as string, b: second, lastAt: now };
  }
  if ((a.convtype === 'group' || a.convtype === 'chatroom') && typeof a.groupid === 'string') {
    return { vendor: a.vendor, app: a.appid, kind: a.convtype === 'group' ? 'group' : 'room', a: a.groupid, lastAt: now };
  }
  return undefined;
}
