import type { Database } from './sqlite';
import { conversationStatements, type ConversationKey, type SeenConversation } from './conversations';
import type { GroupCommitter } from './group-commit';
import { gapSummaryQuery, noGaps, type GapKind, type GapSummary } from './gaps-summary';


/**
 * The most sequence numbers one gap is read back: 50,000 calls, about 4 minutes at the documented
 * 200 calls a second. A wider hole (MsgSeq jumping by billions: a hostile or broken sender, never an
 * outage) is read from its newest number down this far, and the rest named in the gap's note; the
 * admin API refuses to record a wider one.
 */
export const maxGapNumbers = 1_000_000;

export { gapKinds, type GapCounts, type GapKind, type GapSummary } from './gaps-summary';

/** A window of messages the gateway may have missed, to check against a vendor's history. */
export interface NewGap {
  /** `outage`: the gateway was down (every vendor); `sequence`: numbers missing in one conversation; `window`: a time window to read back from one vendor's history; `hour`: one hour of a vendor's history reconciled as a whole. */
  readonly kind: GapKind;
  readonly vendor?: string | undefined;
  readonly app?: string | undefined;
  /** The group (or other conversation) whose sequence has the hole. */
  readonly conversation?: string | undefined;
  /** Milliseconds since the epoch: the last time known good and the first time known good again. */
  readonly fromAt: number;
  readonly untilAt: number;
  /** The missing sequence numbers, inclusive (sequence gaps). */
  readonly fromSeq?: number | undefined;
  readonly untilSeq?: number | undefined;
  readonly note?: string | undefined;
}

/** `open`: not checked yet; `filled`: the history was read and what was missing is stored; `unfillable`: the vendor keeps no history for it. */
export type GapState = 'open' | 'filled' | 'unfillable';

export interface Gap extends NewGap {
  readonly gid: number;
  readonly detectedAt: number;
  readonly state: GapState;
}

/** The last sequence number seen in one conversation, and the time of that message. */
export interface SequenceMark {
  readonly vendor: string;
  readonly app: string;
  readonly conversation: string;
  readonly lastSeq: number;
  readonly lastAt: number;
}

export interface GapFilter {
  readonly kind?: GapKind | undefined;
  readonly state?: GapState | undefined;
  readonly vendor?: string | undefined;
}

/** What an outage becomes at the start that recorded it: the windows to read back, and the note it is settled with. */
export type OutageSplit = (outage: Gap) => { readonly windows: readonly NewGap[]; readonly note: string } | undefined;

type GapRow = { gid: number; kind: GapKind; vendor: string | null; app: string | null; conversation: string | null; from_at: number; until_at: number; from_seq: number | null; until_seq: number | null; detected_at: number; state: GapState; note: string | null };
const gapOf = (r: GapRow): Gap => {
  const optional = { vendor: r.vendor, app: r.app, conversation: r.conversation, fromSeq: r.from_seq, untilSeq: r.until_seq, note: r.note };
  const defined = Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== null));
  return { gid: r.gid, kind: r.kind, fromAt: r.from_at, untilAt: r.until_at, detectedAt: r.detected_at, state: r.state, ...defined };
};

/**
 * The gap tables of the spool (`gaps-migration.ts`). Every write goes through the group committer, so
 * the alive time and the sequence marks ride on a commit of their own every few seconds (one small
 * transaction) and never race ingest.
 */
export function createGapStore(db: Database, committer: GroupCommitter) {
  const readAlive = db.prepare('SELECT started_at AS startedAt, alive_at AS aliveAt FROM alive WHERE one = 1');
  const writeAlive = db.prepare('INSERT INTO alive (one, started_at, alive_at) VALUES (1, ?, ?) ON CONFLICT (one) DO UPDATE SET alive_at = excluded.alive_at, started_at = coalesce(?, started_at)');
  const insertGap = db.prepare(`INSERT INTO gaps (kind, vendor, app, conversation, from_at, until_at, from_seq, until_seq, detected_at, note)
    VALUES (@kind, @vendor, @app, @conversation, @fromAt, @untilAt, @fromSeq, @untilSeq, @detectedAt, @note) RETURNING *`);
  const writeMark = db.prepare(`INSERT INTO sequences (vendor, app, conversation, last_seq, last_at) VALUES (@vendor, @app, @conversation, @lastSeq, @lastAt)
    ON CONFLICT (vendor, app, conversation) DO UPDATE SET last_seq = max(last_seq, excluded.last_seq), last_at = excluded.last_at`);
  const readSummary = gapSummaryQuery(db);
  const setState = db.prepare("UPDATE gaps SET state = ?, note = coalesce(?, note) WHERE gid = ? AND state = 'open'");
  const setProgress = db.prepare("UPDATE gaps SET resume_after = ? WHERE gid = ? AND state = 'open'");
  const settleOpenGap = db.prepare("UPDATE gaps SET state = ?, note = ? WHERE gid = ? AND state = 'open' RETURNING *");
  const readGap = db.prepare('SELECT * FROM gaps WHERE gid = ?');
  const readProgress = db.prepare('SELECT resume_after AS after FROM gaps WHERE gid = ?');
  let summary: GapSummary = noGaps;
  const summarize = (): void => {
    summary = readSummary();
  };
  try {
    summarize();
  } catch {
    // A damaged spool still opens (not ready); its gaps are read again with the next write.
  }
  const conversations = conversationStatements(db);
  const insert = (gap: NewGap, detectedAt: number): Gap =>
    gapOf(insertGap.get({
      kind: gap.kind, vendor: gap.vendor ?? null, app: gap.app ?? null, conversation: gap.conversation ?? null, fromAt: gap.fromAt, untilAt: gap.untilAt,
      fromSeq: gap.fromSeq ?? null, untilSeq: gap.untilSeq ?? null, detectedAt, note: gap.note ?? null,
    }) as unknown as GapRow);

  return {
    /** The previous run's start and last alive time, if the gateway ran on this spool before. */
    lastAlive(): { startedAt: number; aliveAt: number } | undefined {
      return readAlive.get() as { startedAt: number; aliveAt: number } | undefined;
    },
    /**
     * Records this start: the window from the last alive time to `now` becomes an outage gap (when
     * there was a previous run and time went forward), and `now` the start and alive time. When
     * `split` turns the outage into windows, they are recorded and the outage settled as filled in
     * the same transaction (a crash leaves both or neither).
     */
    markStarted(now: number, split?: OutageSplit): Promise<{ outage: Gap; windows: Gap[] } | undefined> {
      return committer.submit(() => {
        const previous = readAlive.get() as { aliveAt: number } | undefined;
        let recorded: { outage: Gap; windows: Gap[] } | undefined;
        if (previous !== undefined && now > previous.aliveAt) {
          const outage = insert({ kind: 'outage', fromAt: previous.aliveAt, untilAt: now }, now);
          const made = split?.(outage);
          const windows = made?.windows.map((window) => insert(window, now)) ?? [];
          if (made) setState.run('filled', made.note, outage.gid);
          recorded = { outage: made ? { ...outage, state: 'filled', note: made.note } : outage, windows };
        }
        writeAlive.run(now, now, now);
        summarize();
        return recorded;
      });
    },
    /**
     * Says the gateway is alive at `now`, with the sequence marks that changed, the gaps found and the
     * conversations seen since the last call; `forgetBefore` also forgets conversations not seen since then.
     */
    alive(now: number, marks: readonly SequenceMark[] = [], gaps: readonly NewGap[] = [], seen: readonly SeenConversation[] = [], forgetBefore?: number): Promise<Gap[]> {
      return committer.submit(() => {
        writeAlive.run(now, now, null);
        for (const { vendor, app, conversation, lastSeq, lastAt } of marks) writeMark.run({ vendor, app, conversation, lastSeq, lastAt });
        conversations.write(seen);
        if (forgetBefore !== undefined) conversations.prune(forgetBefore);
        const recorded = gaps.map((gap) => insert(gap, now));
        if (recorded.length > 0) summarize();
        return recorded;
      });
    },
    /** Records one gap found some other way (an operator's request). */
    record(gap: NewGap, now: number): Promise<Gap> {
      return committer.submit(() => {
        const recorded = insert(gap, now);
        summarize();
        return recorded;
      });
    },
    /** Notes that window `gid` has read every conversation up to the key `after` (while it is open). */
    progress(gid: number, after: ConversationKey): Promise<void> {
      return committer.submit(() => void setProgress.run(JSON.stringify(after), gid));
    },
    /** Where window `gid` stopped reading the conversations seen, if it started. */
    resumeAfter(gid: number): ConversationKey | undefined {
      const row = readProgress.get(gid) as { after: string | null } | undefined;
      return row?.after ? (JSON.parse(row.after) as ConversationKey) : undefined;
    },
    /** The conversations seen, for the windows that read them back, in pages (`conversations.ts`). */
    seen: { page: conversations.page, count: conversations.count, apps: conversations.apps },
    /** Every conversation's last sequence mark (read once at start). */
    marks(): SequenceMark[] {
      return db.prepare('SELECT vendor, app, conversation, last_seq AS lastSeq, last_at AS lastAt FROM sequences').all() as unknown as SequenceMark[];
    },
    /** Gaps newest first, `limit` at most, below the gid `before`. */
    list(filter: GapFilter, limit: number, before?: number): Gap[] {
      const where: string[] = [];
      const params: (string | number)[] = [];
      for (const [column, value] of [['kind', filter.kind], ['state', filter.state], ['vendor', filter.vendor], ['gid <', before]] as const) {
        if (value === undefined) continue;
        where.push(column.includes('<') ? `${column} ?` : `${column} = ?`);
        params.push(value);
      }
      const sql = `SELECT * FROM gaps ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY gid DESC LIMIT ?`;
      return (db.prepare(sql).all(...params, limit) as unknown as GapRow[]).map(gapOf);
    },
    /**
     * Marks a gap that is still open filled or unfillable, or notes why it stays open. A gap settled
     * meanwhile (by hand, `settleOpen`) keeps its state and note.
     */
    settle(gid: number, state: GapState, note?: string): Promise<void> {
      return committer.submit(() => {
        setState.run(state, note ?? null, gid);
        summarize();
      });
    },
    /** Whether a gap is still open (a fill checks before it reads the vendor's history). */
    isOpen(gid: number): boolean {
      return (readGap.get(gid) as unknown as GapRow | undefined)?.state === 'open';
    },
    /** One gap, or undefined. */
    get(gid: number): Gap | undefined {
      const row = readGap.get(gid) as unknown as GapRow | undefined;
      return row && gapOf(row);
    },
    /**
     * Settles a gap that is still open (an operator's decision: filled elsewhere, or accepted as lost)
     * with `note`; undefined when it is not open (any more). A fill of it still running stores what it
     * read but leaves the gap as settled here (`settle` changes only an open gap).
     */
    settleOpen(gid: number, state: Exclude<GapState, 'open'>, note: string): Promise<Gap | undefined> {
      return committer.submit(() => {
        const row = settleOpenGap.get(state, note, gid) as unknown as GapRow | undefined;
        if (row) summarize();
        return row && gapOf(row);
      });
    },
    get summary(): GapSummary {
      return summary;
    },
  };
}

export type GapStore = ReturnType<typeof createGapStore>;
