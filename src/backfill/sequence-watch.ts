import type { Event } from '../events/event';
import type { NewGap, SequenceMark } from '../pipeline/spool/gaps';

/** Numbers missing in one conversation since `noticedAt`, between the neighbours' times. */
interface Hole {
  from: number;
  until: number;
  readonly fromAt: number;
  readonly untilAt: number;
  readonly noticedAt: number;
}

interface Followed {
  lastSeq: number;
  lastAt: number;
  holes: Hole[];
}

export interface SequenceWatchOptions {
  /** How long a missing number may still arrive (a retried or reordered callback) before it is a gap (ms). */
  readonly graceMs: number;
  /** Most conversations followed; the least recently active is dropped first (its mark stays on disk). */
  readonly maxConversations?: number;
  /** Holes kept per conversation before the oldest is reported early. */
  readonly maxHoles?: number;
  /** The marks kept on disk by the previous run. */
  readonly marks?: readonly SequenceMark[];
}

/** What a Tencent group message tells about its group's sequence, or undefined for any other event. */
function groupSequence(event: Event): { app: string; group: string; seq: number; at: number; chatRoom: boolean } | undefined {
  const a = event.attributes;
  if (a.vendor !== 'tencent' || a.command !== 'Group.CallbackAfterSendMsg') return undefined;
  const seq = Number(a.msgseq);
  if (typeof a.groupid !== 'string' || typeof a.appid !== 'string' || !Number.isSafeInteger(seq) || seq <= 0) return undefined;
  const seconds = Number(a.msgtime);
  const at = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : Date.parse(String(a.time));
  return { app: a.appid, group: a.groupid, seq, at, chatRoom: a.convtype === 'chatroom' };
}

/**
 * Follows the message sequence of every Tencent group the gateway receives messages from: each group
 * message carries a `MsgSeq` one above the previous one in its group, so a number that never arrives
 * is a message the gateway may have missed. A hole becomes a gap only after `graceMs` (a retried or
 * reordered callback may still fill it); one that spans a restart is found from the marks on disk.
 * Audio-video chat rooms are counted, not followed: Tencent keeps no history for them to fetch.
 * A gap is a suspicion: numbers are also used by messages that never make a send callback (group
 * tips, messages deleted before delivery); the history API tells them apart.
 */
export function createSequenceWatch(options: SequenceWatchOptions) {
  const max = options.maxConversations ?? 100_000;
  const maxHoles = options.maxHoles ?? 64;
  const followed = new Map<string, Followed>();
  const dirty = new Set<string>();
  const confirmed: NewGap[] = [];
  let chatRoomMessages = 0;
  const keyOf = (app: string, group: string) => JSON.stringify([app, group]);
  for (const mark of options.marks ?? []) {
    if (mark.vendor === 'tencent') followed.set(keyOf(mark.app, mark.conversation), { lastSeq: mark.lastSeq, lastAt: mark.lastAt, holes: [] });
  }

  const report = (key: string, hole: Hole): void => {
    const [app, group] = JSON.parse(key) as [string, string];
    confirmed.push({ kind: 'sequence', vendor: 'tencent', app, conversation: group, fromAt: hole.fromAt, untilAt: hole.untilAt, fromSeq: hole.from, untilSeq: hole.until });
  };

  /** A number below the last one arrived late: it leaves the hole it was in (which may split in two). */
  const fill = (state: Followed, seq: number): void => {
    const i = state.holes.findIndex((h) => seq >= h.from && seq <= h.until);
    const hole = state.holes[i];
    if (hole === undefined) return;
    const rest = [{ ...hole, until: seq - 1 }, { ...hole, from: seq + 1 }].filter((h) => h.from <= h.until);
    state.holes.splice(i, 1, ...rest);
  };

  return {
    /** Notes an accepted event (any vendor; only Tencent group messages count). */
    observe(event: Event, now: number): void {
      const s = groupSequence(event);
      if (s === undefined) return;
      if (s.chatRoom) {
        chatRoomMessages += 1;
        return;
      }
      const key = keyOf(s.app, s.group);
      const state = followed.get(key);
      followed.delete(key);
      const next = state ?? { lastSeq: s.seq, lastAt: s.at, holes: [] };
      followed.set(key, next);
      if (followed.size > max) followed.delete(followed.keys().next().value as string);
      if (state === undefined) return void dirty.add(key);
      if (s.seq <= next.lastSeq) return fill(next, s.seq);
      if (s.seq > next.lastSeq + 1) next.holes.push({ from: next.lastSeq + 1, until: s.seq - 1, fromAt: next.lastAt, untilAt: s.at, noticedAt: now });
      if (next.holes.length > maxHoles) report(key, next.holes.shift() as Hole);
      next.lastSeq = s.seq;
      next.lastAt = s.at;
      dirty.add(key);
    },
    /**
     * The marks changed and the holes older than the grace period since the last call (each reported
     * once); `all` reports every hole (at a stop: the marks on disk are already past them).
     */
    take(now: number, all = false): { marks: SequenceMark[]; gaps: NewGap[] } {
      const marks: SequenceMark[] = [];
      for (const key of dirty) {
        const state = followed.get(key);
        if (state === undefined) continue;
        const [app, conversation] = JSON.parse(key) as [string, string];
        marks.push({ vendor: 'tencent', app, conversation, lastSeq: state.lastSeq, lastAt: state.lastAt });
      }
      dirty.clear();
      for (const [key, state] of followed) {
        while (state.holes[0] !== undefined && (all || now - state.holes[0].noticedAt >= options.graceMs)) report(key, state.holes.shift() as Hole);
      }
      return { marks, gaps: confirmed.splice(0) };
    },
    /** Messages seen in audio-video chat rooms, whose sequence is not followed. */
    get chatRoomMessages(): number {
      return chatRoomMessages;
    },
    get conversations(): number {
      return followed.size;
    },
  };
}

export type SequenceWatch = ReturnType<typeof createSequenceWatch>;
