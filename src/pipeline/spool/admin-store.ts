import { column, type Database } from './sqlite';
import type { Event } from '../../events/event';
import type { AdminStore, AuditEntry, DeadLetter, DeadLetterFilter, Page, PageRequest, Progress, QuarantineFilter, QuarantineSummary, SearchedEvent, SinkState as EventSinkState, StoredEvent } from '../admin-store';
import { isFresh, type SinkState } from './cursors';
import type { GroupCommitter } from './group-commit';
import type { SpoolAdmin } from './admin';
import type { createPauses } from './pauses';
import type { SpoolSink } from './cursors';
import type { Search } from './search';

type Clause = { sql: string[]; params: (string | number)[] };
const clause = (): Clause => ({ sql: [], params: [] });
const add = (c: Clause, sql: string, ...params: (string | number)[]): void => {
  c.sql.push(sql);
  c.params.push(...params);
};
const whereOf = (c: Clause): string => (c.sql.length ? `WHERE ${c.sql.join(' AND ')}` : '');
const pageOf = <T>(rows: T[], limit: number, cursor: (last: T) => string): Page<T> => (rows.length > limit ? { items: rows.slice(0, limit), next: cursor(rows[limit - 1] as T) } : { items: rows });

function deadClause(filter: DeadLetterFilter, after?: string): Clause {
  const c = clause();
  add(c, "d.state = 'dead'");
  if (filter.sink !== undefined) add(c, 'd.sink = ?', filter.sink);
  if (filter.since !== undefined) add(c, 'd.dead_at >= ?', filter.since);
  if (filter.until !== undefined) add(c, 'd.dead_at < ?', filter.until);
  if (filter.error !== undefined) add(c, 'instr(d.last_error, ?) > 0', filter.error);
  if (filter.seqs !== undefined) add(c, `d.seq IN (${filter.seqs.map(() => '?').join(',') || 'NULL'})`, ...filter.seqs);
  if (after !== undefined) {
    const [deadAt, seq, sink] = JSON.parse(Buffer.from(after, 'base64url').toString()) as [number, number, string];
    add(c, '(d.dead_at, d.seq, d.sink) < (?, ?, ?)', deadAt, seq, sink);
  }
  return c;
}

function quarantineClause(filter: QuarantineFilter, after?: string): Clause {
  const c = clause();
  if (filter.vendor !== undefined) add(c, 'vendor = ?', filter.vendor);
  if (filter.reason !== undefined) add(c, 'reason = ?', filter.reason);
  if (filter.since !== undefined) add(c, 'received_at >= ?', filter.since);
  if (filter.until !== undefined) add(c, 'received_at < ?', filter.until);
  if (filter.qids !== undefined) add(c, `qid IN (${filter.qids.map(() => '?').join(',') || 'NULL'})`, ...filter.qids);
  if (after !== undefined) add(c, 'qid < ?', Number(after));
  return c;
}

/** Index entries a dead-letter count reads between two turns of the event loop. */
const deadCountStep = 10_000;
type DeadKey = [deadAt: number, sink: string, seq: number];

/** Keys of `exceptions` one redrive chunk reads at most. */
const deadScan = 5000;

/** The most work one replay step does in its commit (callbacks sharing that commit wait for it). */
const replayStepMs = 8;

/** Log rows a replay's count reads between two turns of the event loop. */
const replayCountStep = 2000;

/** A bulk chunk that shares its commit with other writes takes this fraction of its size. */
const sharedChunkDivisor = 5;

type ExceptionRow = { seq: number; sink: string; state: string; attempts: number; next_at: number; first_error: string | null; last_error: string | null; first_failed_at: number | null; dead_at: number };

/**
 * The admin module's view of the spool (`AdminStore`): searches newest first with cursor paging,
 * bulk changes in chunks through the group committer, an audit trail. Event search runs on the
 * search table (`search.ts`), a bounded slice of the log per call; sink states come from the cursors
 * in memory and one read of the exceptions of a whole page.
 */
export function createAdminStore(db: Database, deps: { committer: GroupCommitter; states: () => Map<string, SinkState>; admin: SpoolAdmin; pauses: ReturnType<typeof createPauses>; routes: readonly SpoolSink[]; search: Search; seqOf: (id: string) => number | undefined; oldestRemembered: () => number | undefined; storedBytes: () => number; append: (event: Event, at: number) => Promise<'accepted' | 'duplicate'>; wake: () => void; stored: (seq: number) => StoredEvent | undefined }): AdminStore {
  const { committer, admin, search } = deps;
  const firstSeqOf = column(db, 'SELECT seq FROM log ORDER BY seq LIMIT 1');
  const lastSeqOf = column(db, 'SELECT seq FROM log ORDER BY seq DESC LIMIT 1');
  const deadColumns = `d.sink, d.seq, e.id, json_extract(nullif(e.attributes, ''), '$.type') AS type, d.received_at AS receivedAt, d.attempts, d.first_error AS firstError,
    d.last_error AS lastError, d.first_failed_at AS firstFailedAt, d.dead_at AS deadAt`;
  const deadCursor = (row: DeadLetter) => Buffer.from(JSON.stringify([row.deadAt, row.seq, row.sink])).toString('base64url');
  const strip = <T extends object>(row: T): T => Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null)) as T;

  /**
   * Applies `apply` to what `select` finds, at most `chunk` (1,000) rows per commit, until a chunk comes
   * back short. A chunk whose commit carries other writes (callbacks waiting for their answer, delivery
   * acknowledgements) takes a fifth of that: they wait for the whole transaction.
   */
  async function chunked(select: (limit: number) => { sink: string; seq: number; receivedAt: number }[], apply: (rows: { sink: string; seq: number; receivedAt: number }[]) => void, options?: { chunk?: number; onProgress?: Progress }): Promise<number> {
    const size = options?.chunk ?? 1000;
    let done = 0;
    for (;;) {
      const { moved, limit, workMs } = await committer.submit(() => {
        const started = performance.now();
        const limit = committer.sharing > 1 ? Math.max(1, Math.floor(size / sharedChunkDivisor)) : size;
        const rows = select(limit);
        apply(rows);
        return { moved: rows.length, limit, workMs: performance.now() - started };
      });
      done += moved;
      // Events queued again wake the lanes at once; the caller's progress step may pause before the next chunk.
      if (moved > 0) deps.wake();
      await options?.onProgress?.(done, workMs);
      if (moved < limit) return done;
    }
  }

  /**
   * Dead letters matching `filter`, counted `step` index entries at a time in the order of
   * `exceptions_dead` (dead_at, sink, seq), with a turn of the event loop between steps: a million take
   * a hundred steps of a few milliseconds, not one stretch of a hundred.
   */
  async function countInSteps(filter: DeadLetterFilter, step: number): Promise<number> {
    const stepClause = (from: DeadKey | undefined): Clause => {
      // Past the first step the last key seen is the lower bound the index seeks to (it is at or after `since`).
      const c = deadClause({ ...filter, sink: undefined, since: from ? undefined : filter.since });
      // `+d.sink`: checked on each index entry; as a key it would have SQLite sort the rows first.
      if (filter.sink !== undefined) add(c, '+d.sink = ?', filter.sink);
      if (from) add(c, '(d.dead_at, d.sink, d.seq) > (?, ?, ?)', ...from);
      return c;
    };
    let counted = 0;
    for (let from: DeadKey | undefined; ;) {
      const c = stepClause(from);
      const edge = db.prepare(`SELECT d.dead_at, d.sink, d.seq FROM exceptions d ${whereOf(c)} ORDER BY d.dead_at, d.sink, d.seq LIMIT 1 OFFSET ${step - 1}`).get(...c.params) as { dead_at: number; sink: string; seq: number } | undefined;
      if (!edge) return counted + (column(db, `SELECT count(*) FROM exceptions d ${whereOf(c)}`).get(...c.params) as number);
      counted += step;
      from = [edge.dead_at, edge.sink, edge.seq];
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  const exceptionsOf = (seqs: readonly number[]): ExceptionRow[] => (seqs.length === 0 ? [] :
    db.prepare(`SELECT seq, sink, state, attempts, next_at, first_error, last_error, first_failed_at, dead_at FROM exceptions WHERE seq IN (${seqs.map(() => '?').join(',')})`).all(...seqs) as ExceptionRow[]);

  /** Each sink's answer for one event, given that event's exceptions. */
  function statesOf(seq: number, event: Event, exceptions: readonly ExceptionRow[]): EventSinkState[] {
    return [...deps.states().values()].map((state): EventSinkState => {
      const row = exceptions.find((e) => e.sink === state.name);
      if (row?.state === 'dead') return strip({ sink: state.name, state: 'dead', attempts: row.attempts, firstError: row.first_error ?? undefined, lastError: row.last_error ?? undefined, firstFailedAt: row.first_failed_at ?? undefined, deadAt: row.dead_at }) as EventSinkState;
      if (row?.state === 'retry') return strip({ sink: state.name, state: 'pending', attempts: row.attempts, nextAt: row.next_at, lastError: row.last_error ?? undefined, firstFailedAt: row.first_failed_at ?? undefined }) as EventSinkState;
      if (!state.accepts(event)) return { sink: state.name, state: 'not_routed' };
      return isFresh(state, seq) ? { sink: state.name, state: 'pending', attempts: 0, nextAt: 0 } : { sink: state.name, state: 'delivered' };
    });
  }

  /** Stored events with their sink states: one key lookup per event, one read of their exceptions. */
  function withSinks(seqs: readonly number[]): SearchedEvent[] {
    const found = seqs.flatMap((seq) => {
      const found = deps.stored(seq);
      return found ? [found] : [];
    });
    const exceptions = exceptionsOf(found.map((item) => item.seq));
    return found.map((item) => ({ ...item, sinks: statesOf(item.seq, item.event, exceptions.filter((e) => e.seq === item.seq)) }));
  }

  /** The seq of an event id: the de-duplication window, else a bounded search below it. */
  const seqOfId = (id: string): number | undefined => deps.seqOf(id) ?? search.seqOfId(id, deps.oldestRemembered());

  const limitOf = (page: PageRequest): number => Math.max(1, Math.min(1000, page.limit));

  return {
    stats() {
      // First and last by the log's key (two lookups); SQLite answers min and max together by a scan.
      const firstSeq = firstSeqOf.get() as number | undefined;
      const lastSeq = lastSeqOf.get() as number | undefined;
      const stats = admin.stats();
      const sinks = [...deps.states().values()].filter((s) => s.configured || s.pending > 0 || s.dead > 0).sort((a, b) => a.name.localeCompare(b.name))
        .map((s) => strip({ sink: s.name, pending: s.pending, oldestReceivedAt: stats.pending.find((p) => p.sink === s.name)?.oldest, dead: s.dead }));
      return strip({ events: stats.events, firstSeq, lastSeq, storedBytes: deps.storedBytes(), sinks, quarantined: stats.quarantined });
    },
    searchEvents(filter, page) {
      const step = search.find(filter, limitOf(page), page.after === undefined ? undefined : Number(page.after));
      const items = withSinks(step.seqs);
      return step.before === undefined ? { items } : { items, next: String(step.before) };
    },
    sinkStates(seqs) {
      return new Map(withSinks(seqs.slice(0, 1000)).map((item) => [item.seq, item.sinks]));
    },
    event(idOrSeq) {
      const seq = typeof idOrSeq === 'number' ? idOrSeq : seqOfId(idOrSeq);
      const found = seq === undefined ? undefined : withSinks([seq])[0];
      return found && { stored: { seq: found.seq, receivedAt: found.receivedAt, event: found.event }, sinks: found.sinks };
    },
    deadLetters(filter, page) {
      const limit = limitOf(page);
      const c = deadClause(filter, page.after);
      const rows = db.prepare(`SELECT ${deadColumns} FROM exceptions d JOIN log e ON e.seq = d.seq ${whereOf(c)} ORDER BY d.dead_at DESC, d.seq DESC, d.sink DESC LIMIT ?`).all(...c.params, limit + 1) as unknown as DeadLetter[];
      return pageOf(rows.map((row) => strip((row.type as string | null) === null ? ({ ...row, type: deps.stored(row.seq)?.event.attributes.type } as DeadLetter) : row)), limit, deadCursor);
    },
    async countDeadLetters(filter, step = deadCountStep) {
      const { sink, ...narrower } = filter;
      // A whole sink, or every sink: the counts kept in memory (loaded once, changed with each commit).
      if (Object.values(narrower).every((value) => value === undefined)) {
        return [...deps.states().values()].filter((s) => sink === undefined || s.name === sink).reduce((sum, s) => sum + s.dead, 0);
      }
      return countInSteps(filter, step);
    },
    async redriveDeadLetters(filter, now, options) {
      // The dead letters of the job's start, walked once in key order (sink, seq): an event this job
      // redrives that dies again before the job ends is behind the walk, not taken (and sent) twice,
      // one that dies after the start is not taken, and the job ends even against a sink that refuses
      // everything. Each chunk reads at most `deadScan` keys (retries and done rows of the same sinks
      // included), so a narrow filter over a large table is many short steps, not one long one.
      const until = (lastSeqOf.get() as number | undefined) ?? 0;
      const size = options?.chunk ?? 1000;
      const hit = deadClause({ since: filter.since, until: filter.until, error: filter.error });
      add(hit, 'd.dead_at <= ?', now);
      let from: { sink: string; seq: number } | undefined;
      let done = 0;
      for (;;) {
        const step = await committer.submit(() => {
          const started = performance.now();
          const limit = committer.sharing > 1 ? Math.max(1, Math.floor(size / sharedChunkDivisor)) : size;
          const keys = clause();
          if (filter.sink !== undefined) add(keys, 'd.sink = ?', filter.sink);
          if (filter.seqs !== undefined) add(keys, `d.seq IN (${filter.seqs.map(() => '?').join(',') || 'NULL'})`, ...filter.seqs);
          add(keys, 'd.seq <= ?', until);
          // With one sink the seq alone is the bound the key seeks to (a row value would be checked row by row).
          if (from && filter.sink !== undefined) add(keys, 'd.seq > ?', from.seq);
          else if (from) add(keys, '(d.sink, d.seq) > (?, ?)', from.sink, from.seq);
          const rows = db.prepare(`SELECT d.sink, d.seq, d.received_at AS receivedAt, ${hit.sql.join(' AND ')} AS hit FROM exceptions d ${whereOf(keys)} ORDER BY d.sink, d.seq LIMIT ${deadScan}`)
            .iterate(...hit.params, ...keys.params) as Iterable<{ sink: string; seq: number; receivedAt: number; hit: number }>;
          let moved = 0;
          let read = 0;
          // Stepped row by row: a chunk that has its fill stops reading there.
          for (const row of rows) {
            if (moved >= limit) return { moved, end: false, workMs: performance.now() - started };
            read += 1;
            from = row;
            if (row.hit !== 1) continue;
            admin.redriveOne(row.sink, row.seq, row.receivedAt, now);
            moved += 1;
          }
          return { moved, end: read < deadScan, workMs: performance.now() - started };
        });
        done += step.moved;
        // Events queued again wake the lanes at once; the caller's progress step may pause before the next chunk.
        if (step.moved > 0) deps.wake();
        await options?.onProgress?.(done, step.workMs);
        if (step.end) return done;
      }
    },
    dropDeadLetters(filter, options) {
      const c = deadClause(filter);
      return chunked((limit) => db.prepare(`SELECT d.sink, d.seq, d.received_at AS receivedAt FROM exceptions d ${whereOf(c)} LIMIT ${limit}`).all(...c.params) as never, (rows) => {
        for (const row of rows) admin.dropDead(row.sink, row.seq);
      }, options);
    },
    quarantine(filter, page) {
      const limit = limitOf(page);
      const c = quarantineClause(filter, page.after);
      const rows = db.prepare(`SELECT qid, received_at AS receivedAt, vendor, command, reason, detail, length(body) AS bytes FROM quarantine ${whereOf(c)} ORDER BY qid DESC LIMIT ?`).all(...c.params, limit + 1) as unknown as QuarantineSummary[];
      return pageOf(rows.map(strip), limit, (last) => String(last.qid));
    },
    countQuarantine(filter) {
      const c = quarantineClause(filter);
      return column(db, `SELECT count(*) FROM quarantine ${whereOf(c)}`).get(...c.params) as number;
    },
    quarantined(qid) {
      const row = admin.quarantined(qid);
      return row && strip({ qid: row.qid, receivedAt: row.received_at, vendor: row.vendor, command: row.command ?? undefined, reason: row.reason, detail: row.detail, bytes: row.body.length, head: row.head, body: row.body });
    },
    async releaseQuarantined(qid, event, receivedAt) {
      // The append and the removal are queued together, so they share one commit.
      const [outcome] = await Promise.all([deps.append(event, receivedAt), admin.removeQuarantine(qid)]);
      return outcome;
    },
    requarantine: (qid, reason, detail) => admin.updateQuarantine(qid, reason, detail),
    dropQuarantine(filter) {
      const c = quarantineClause(filter);
      return committer.submit(() => db.prepare(`DELETE FROM quarantine ${whereOf(c)}`).run(...c.params).changes as number);
    },
    async countReplay(range, sink) {
      const route = deps.routes.find((r) => r.name === sink);
      if (!route) return 0;
      // Counted in steps with a turn of the event loop between them, over what is stored now.
      const upTo = (lastSeqOf.get() as number | undefined) ?? 0;
      let count = 0;
      for (let after = 0; ;) {
        // Positions and times first; an event is read (and parsed for the sink's route) only when its time is in the range.
        const step = db.prepare(`SELECT seq, received_at AS receivedAt FROM log WHERE seq > ? AND seq <= ? ${range.seqs === undefined ? '' : `AND seq IN (${range.seqs.map(() => '?').join(',') || 'NULL'})`} ORDER BY seq LIMIT ${replayCountStep}`)
          .all(after, upTo, ...(range.seqs ?? [])) as { seq: number; receivedAt: number }[];
        for (const { seq, receivedAt } of step) {
          if ((range.since !== undefined && receivedAt < range.since) || (range.until !== undefined && receivedAt >= range.until)) continue;
          const found = deps.stored(seq);
          if (found !== undefined && route.accepts(found.event)) count += 1;
        }
        if (step.length < replayCountStep) return count;
        after = (step.at(-1) as { seq: number }).seq;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    },
    async replay(range, sink, now, options) {
      // The events stored when the replay starts, in steps through the committer of at most `chunk`
      // events and `replayStepMs` of work (an event read and a row written, about 40 µs each), each
      // followed by the caller's progress step. Steps are bounded in time rather than cut to a fifth
      // when callbacks share the commit: beside steady callbacks that made one commit and flush per 20.
      const route = deps.routes.filter((r) => r.name === sink);
      const upTo = (lastSeqOf.get() as number | undefined) ?? 0;
      const size = options?.chunk ?? 1000;
      let queued = 0;
      for (let after = 0; ;) {
        const step = await committer.submit(() => {
          const started = performance.now();
          const taken = admin.replayStep({ ...range, upTo }, route, now, after, size, options?.stepMs ?? replayStepMs);
          return { ...taken, workMs: performance.now() - started };
        });
        queued += step.queued;
        after = step.last;
        if (step.queued > 0) deps.wake();
        await options?.onProgress?.(queued, step.workMs);
        if (step.done) return queued;
      }
    },
    pendingCounts: () => admin.pendingCounts(),
    dropPending: (sink) => admin.dropPending(sink),
    movePending: (from, to, now) => admin.movePending(from, to, now).then((moved) => (deps.wake(), moved)),
    pausedSinks: () => deps.pauses.pausedSinks(),
    setPaused: (sink, by) => deps.pauses.setPaused(sink, by),
    audit(entry: AuditEntry) {
      return committer.submit(() => void db.prepare('INSERT INTO audit (at, actor, action, target, count, dry_run) VALUES (?, ?, ?, ?, ?, ?)').run(entry.at, entry.actor, entry.action, JSON.stringify(entry.target ?? null), entry.count, entry.dryRun ? 1 : 0));
    },
    auditTrail(page) {
      const limit = limitOf(page);
      const rows = db.prepare(`SELECT seq, at, actor, action, target, count, dry_run AS dryRun FROM audit ${page.after !== undefined ? 'WHERE seq < ?' : ''} ORDER BY seq DESC LIMIT ?`)
        .all(...(page.after !== undefined ? [Number(page.after)] : []), limit + 1) as { seq: number; at: number; actor: string; action: string; target: string; count: number; dryRun: number }[];
      return pageOf(rows.map((row) => ({ ...row, target: JSON.parse(row.target) as unknown, dryRun: row.dryRun === 1 })), limit, (last) => String(last.seq));
    },
  };
}
