import type { EventAttributes, Event } from '../events/event';
import type {
  AdminStore, AuditEntry, DeadLetter, DeadLetterFilter, EventFilter, Page, PageRequest, QuarantineFilter, QuarantineSummary, SinkState, StoredEvent,
} from './admin-store';
import type { QuarantinedHead, Spool, SpoolSink } from './spool';

/** Column expressions of the event search filter (attributes are JSON in this schema). */
const attribute = (name: string) => `json_extract(e.attributes, '$.${name}')`;
const eventColumns: Record<Exclude<keyof EventFilter, 'since' | 'until' | 'conversation'>, string> = {
  vendor: attribute('vendor'), command: attribute('command'), app: attribute('appid'), sender: attribute('fromaccount'),
  recipient: attribute('toaccount'), group: attribute('groupid'), messageId: attribute('messageid'),
};

class Where {
  readonly clauses: string[] = [];
  readonly params: (string | number)[] = [];
  add(clause: string, ...params: (string | number)[]): this {
    this.clauses.push(clause);
    this.params.push(...params);
    return this;
  }
  get sql(): string {
    return this.clauses.length ? `WHERE ${this.clauses.join(' AND ')}` : '';
  }
}

const range = (w: Where, column: string, f: { since?: number; until?: number }) => {
  if (f.since !== undefined) w.add(`${column} >= ?`, f.since);
  if (f.until !== undefined) w.add(`${column} < ?`, f.until);
  return w;
};
const inList = (w: Where, column: string, ids: readonly number[] | undefined) => (ids ? w.add(`${column} IN (SELECT value FROM json_each(?))`, JSON.stringify(ids)) : w);

function deadWhere(f: DeadLetterFilter): Where {
  const w = range(new Where(), 'd.dead_at', f);
  if (f.sink !== undefined) w.add('d.sink = ?', f.sink);
  if (f.error !== undefined) w.add('instr(d.last_error, ?) > 0', f.error);
  return inList(w, 'd.seq', f.seqs);
}

function quarantineWhere(f: QuarantineFilter): Where {
  const w = range(new Where(), 'q.received_at', f);
  if (f.vendor !== undefined) w.add('q.vendor = ?', f.vendor);
  if (f.reason !== undefined) w.add('q.reason = ?', f.reason);
  return inList(w, 'q.qid', f.qids);
}

const cursor = (value: string | undefined): number => (value !== undefined && /^\d+$/.test(value) ? Number(value) : Number.MAX_SAFE_INTEGER);
function paged<T>(rows: T[], page: PageRequest, key: (row: T) => number): Page<T> {
  const more = rows.length > page.limit;
  const items = more ? rows.slice(0, page.limit) : rows;
  return more ? { items, next: String(key(items[items.length - 1] as T)) } : { items };
}

type EventRow = { seq: number; receivedAt: number; attributes: string; data: string; message: string | null };
const toStored = (row: EventRow): StoredEvent => {
  const attributes = JSON.parse(row.attributes) as EventAttributes;
  const event: Event = row.message === null ? { attributes, data: row.data } : { attributes, data: row.data, message: row.message };
  return { seq: row.seq, receivedAt: row.receivedAt, event };
};
/** Drops null and undefined fields (absent in the contract's types). */
type Defined<T> = { [K in keyof T]: Exclude<T[K], null> };
const undefinedNulls = <T extends object>(row: T): Defined<T> => Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null && v !== undefined)) as Defined<T>;

/**
 * `AdminStore` over the spool of schema 3 (one pending row per event and sink). Every change runs in
 * the spool's group committer, bulk ones in chunks of at most `chunk` rows, each its own commit.
 */
export function spoolAdminStore(spool: Spool, sinks: readonly SpoolSink[]): AdminStore {
  const db = spool.db;
  db.exec(`CREATE TABLE IF NOT EXISTS admin_audit (
    seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
    target TEXT NOT NULL, count INTEGER NOT NULL, dry_run INTEGER NOT NULL)`);
  const eventSelect = 'SELECT e.seq, e.received_at AS receivedAt, e.attributes, e.data, e.message FROM events e';
  const deadSelect = `SELECT d.sink, d.seq, e.id, json_extract(e.attributes, '$.type') AS type, d.received_at AS receivedAt, d.attempts,
    d.first_error AS firstError, d.last_error AS lastError, d.first_failed_at AS firstFailedAt, d.dead_at AS deadAt
    FROM dead_letters d JOIN events e ON e.seq = d.seq`;

  /** Runs `step` (one bounded commit, returning how many it changed and whether more remain) until done. */
  async function chunked(step: () => { changed: number; more: boolean }, onProgress?: (done: number) => void): Promise<number> {
    let total = 0;
    for (;;) {
      const { changed, more } = await spool.submit(step);
      total += changed;
      onProgress?.(total);
      if (!more) return total;
    }
  }

  return {
    stats() {
      const backlog = new Map(spool.backlog().map((b) => [b.sink, b]));
      const dead = new Map(spool.deadLetterCounts().map((d) => [d.sink, d.count]));
      const names = [...new Set([...backlog.keys(), ...dead.keys()])].sort();
      const range = db.prepare('SELECT count(*) AS events, min(seq) AS firstSeq, max(seq) AS lastSeq FROM events').get() as { events: number; firstSeq: number | null; lastSeq: number | null };
      return {
        ...undefinedNulls(range),
        storedBytes: spool.storedBytes(),
        sinks: names.map((sink) => undefinedNulls({ sink, pending: backlog.get(sink)?.pending ?? 0, oldestReceivedAt: backlog.get(sink)?.oldestReceivedAt, dead: dead.get(sink) ?? 0 })),
        quarantined: spool.quarantineSize().entries,
      };
    },

    searchEvents(filter, page) {
      const w = range(new Where(), 'e.received_at', filter).add('e.seq < ?', cursor(page.after));
      for (const [key, column] of Object.entries(eventColumns)) {
        const value = filter[key as keyof typeof eventColumns];
        if (value !== undefined) w.add(`${column} = ?`, value);
      }
      if (filter.conversation !== undefined) w.add(`? IN (${attribute('fromaccount')}, ${attribute('toaccount')}, ${attribute('groupid')})`, filter.conversation);
      const rows = db.prepare(`${eventSelect} ${w.sql} ORDER BY e.seq DESC LIMIT ?`).all(...w.params, page.limit + 1) as EventRow[];
      return paged(rows.map(toStored), page, (row) => row.seq);
    },

    event(idOrSeq) {
      const row = db.prepare(`${eventSelect} WHERE ${typeof idOrSeq === 'number' ? 'e.seq' : 'e.id'} = ?`).get(idOrSeq) as EventRow | undefined;
      if (!row) return undefined;
      const stored = toStored(row);
      const pending = db.prepare('SELECT * FROM pending WHERE seq = ?').all(row.seq) as Record<string, unknown>[];
      const dead = db.prepare('SELECT * FROM dead_letters WHERE seq = ?').all(row.seq) as Record<string, unknown>[];
      const states = sinks.map((sink): SinkState => {
        const p = pending.find((r) => r['sink'] === sink.name);
        const text = (value: unknown) => (value === null ? undefined : (value as string));
        if (p) return undefinedNulls({ sink: sink.name, state: 'pending', attempts: Number(p['attempts']), nextAt: Number(p['next_at']), lastError: text(p['last_error']), firstFailedAt: p['first_failed_at'] as number | undefined }) as SinkState;
        const d = dead.find((r) => r['sink'] === sink.name);
        if (d) return undefinedNulls({ sink: sink.name, state: 'dead', attempts: Number(d['attempts']), firstError: text(d['first_error']), lastError: text(d['last_error']), firstFailedAt: d['first_failed_at'] as number | undefined, deadAt: Number(d['dead_at']) }) as SinkState;
        return { sink: sink.name, state: sink.accepts(stored.event) ? 'delivered' : 'not_routed' };
      });
      return { stored, sinks: states };
    },

    deadLetters(filter, page) {
      const w = deadWhere(filter).add('d.seq < ?', cursor(page.after));
      const rows = db.prepare(`${deadSelect} ${w.sql} ORDER BY d.seq DESC, d.sink LIMIT ?`).all(...w.params, page.limit + 1) as DeadLetter[];
      return paged(rows.map(undefinedNulls), page, (row) => row.seq);
    },
    countDeadLetters(filter) {
      const w = deadWhere(filter);
      return db.prepare(`SELECT count(*) FROM dead_letters d ${w.sql}`).pluck().get(...w.params) as number;
    },
    redriveDeadLetters(filter, now, options = {}) {
      const w = deadWhere(filter);
      const limit = options.chunk ?? 1000;
      const pick = db.prepare(`SELECT d.sink, d.seq FROM dead_letters d ${w.sql} LIMIT ?`);
      const requeue = db.prepare('INSERT OR IGNORE INTO pending (sink, seq, received_at, next_at, attempts) SELECT sink, seq, received_at, ?, 0 FROM dead_letters WHERE sink = ? AND seq = ?');
      const remove = db.prepare('DELETE FROM dead_letters WHERE sink = ? AND seq = ?');
      return chunked(() => {
        const rows = pick.all(...w.params, limit) as { sink: string; seq: number }[];
        for (const row of rows) {
          requeue.run(now, row.sink, row.seq);
          remove.run(row.sink, row.seq);
        }
        return { changed: rows.length, more: rows.length === limit };
      }, options.onProgress).finally(() => spool.notifyAppended());
    },
    dropDeadLetters(filter, options = {}) {
      const w = deadWhere(filter);
      const limit = options.chunk ?? 1000;
      const drop = db.prepare(`DELETE FROM dead_letters WHERE (sink, seq) IN (SELECT d.sink, d.seq FROM dead_letters d ${w.sql} LIMIT ?)`);
      return chunked(() => {
        const changed = drop.run(...w.params, limit).changes;
        return { changed, more: changed === limit };
      }, options.onProgress);
    },

    quarantine(filter, page) {
      const w = quarantineWhere(filter).add('q.qid < ?', cursor(page.after));
      const rows = db
        .prepare(`SELECT q.qid, q.received_at AS receivedAt, q.vendor, q.command, q.reason, q.detail, length(q.body) AS bytes FROM quarantine q ${w.sql} ORDER BY q.qid DESC LIMIT ?`)
        .all(...w.params, page.limit + 1) as QuarantineSummary[];
      return paged(rows.map(undefinedNulls), page, (row) => row.qid);
    },
    countQuarantine(filter) {
      const w = quarantineWhere(filter);
      return db.prepare(`SELECT count(*) FROM quarantine q ${w.sql}`).pluck().get(...w.params) as number;
    },
    quarantined(qid) {
      const row = db.prepare('SELECT * FROM quarantine WHERE qid = ?').get(qid) as
        | { qid: number; received_at: number; vendor: string; command: string | null; reason: string; detail: string; head: string; body: Buffer }
        | undefined;
      if (!row) return undefined;
      return undefinedNulls({
        qid: row.qid, receivedAt: row.received_at, vendor: row.vendor, command: row.command ?? undefined, reason: row.reason, detail: row.detail,
        bytes: row.body.length, head: JSON.parse(row.head) as QuarantinedHead, body: row.body,
      });
    },
    async releaseQuarantined(qid, event, receivedAt) {
      const outcome = await spool.submit(() => {
        const info = db
          .prepare('INSERT OR IGNORE INTO events (id, received_at, attributes, data, message) VALUES (?, ?, ?, ?, ?)')
          .run(event.attributes.id, receivedAt, JSON.stringify(event.attributes), event.data, event.message ?? null);
        const insertPending = db.prepare('INSERT INTO pending (sink, seq, received_at, next_at) VALUES (?, ?, ?, ?)');
        if (info.changes > 0) for (const sink of sinks) if (sink.accepts(event)) insertPending.run(sink.name, info.lastInsertRowid, receivedAt, receivedAt);
        db.prepare('DELETE FROM quarantine WHERE qid = ?').run(qid);
        return info.changes > 0 ? ('accepted' as const) : ('duplicate' as const);
      });
      spool.notifyAppended();
      return outcome;
    },
    async requarantine(qid, reason, detail) {
      await spool.submit(() => db.prepare('UPDATE quarantine SET reason = ?, detail = ? WHERE qid = ?').run(reason, detail, qid));
    },
    dropQuarantine(filter) {
      const w = quarantineWhere(filter);
      return spool.submit(() => db.prepare(`DELETE FROM quarantine WHERE qid IN (SELECT q.qid FROM quarantine q ${w.sql})`).run(...w.params).changes);
    },

    countReplay(span, sink) {
      const route = sinks.find((s) => s.name === sink);
      if (!route) return 0;
      const w = range(new Where(), 'e.received_at', span);
      let count = 0;
      for (const row of db.prepare(`${eventSelect} ${w.sql}`).iterate(...w.params) as Iterable<EventRow>) if (route.accepts(toStored(row).event)) count += 1;
      return count;
    },
    replay(span, sink, now, options = {}) {
      const route = sinks.find((s) => s.name === sink);
      if (!route) return Promise.resolve(0);
      const limit = options.chunk ?? 1000;
      const insert = db.prepare('INSERT OR IGNORE INTO pending (sink, seq, received_at, next_at) VALUES (?, ?, ?, ?)');
      let after = 0;
      return chunked(() => {
        const w = range(new Where(), 'e.received_at', span).add('e.seq > ?', after);
        const rows = db.prepare(`${eventSelect} ${w.sql} ORDER BY e.seq LIMIT ?`).all(...w.params, limit) as EventRow[];
        let changed = 0;
        for (const row of rows) if (route.accepts(toStored(row).event)) changed += insert.run(sink, row.seq, row.receivedAt, now).changes;
        after = rows[rows.length - 1]?.seq ?? after;
        return { changed, more: rows.length === limit };
      }, options.onProgress).finally(() => spool.notifyAppended());
    },

    pendingCounts() {
      return spool.backlog().map(({ sink, pending }) => ({ sink, pending }));
    },
    dropPending(sink) {
      return spool.submit(() => {
        db.prepare('DELETE FROM dead_letters WHERE sink = ?').run(sink);
        return db.prepare('DELETE FROM pending WHERE sink = ?').run(sink).changes;
      });
    },
    async movePending(from, to, now) {
      const moved = await spool.submit(() => {
        const count = db.prepare('INSERT OR IGNORE INTO pending (sink, seq, received_at, next_at) SELECT ?, seq, received_at, ? FROM pending WHERE sink = ?').run(to, now, from).changes;
        db.prepare('DELETE FROM pending WHERE sink = ?').run(from);
        return count;
      });
      spool.notifyAppended();
      return moved;
    },

    async audit(entry: AuditEntry) {
      await spool.submit(() =>
        db.prepare('INSERT INTO admin_audit (at, actor, action, target, count, dry_run) VALUES (?, ?, ?, ?, ?, ?)')
          .run(entry.at, entry.actor, entry.action, JSON.stringify(entry.target ?? null), entry.count, entry.dryRun ? 1 : 0),
      );
    },
    auditTrail(page) {
      const rows = db
        .prepare('SELECT seq, at, actor, action, target, count, dry_run AS dryRun FROM admin_audit WHERE seq < ? ORDER BY seq DESC LIMIT ?')
        .all(cursor(page.after), page.limit + 1) as { seq: number; at: number; actor: string; action: string; target: string; count: number; dryRun: number }[];
      return paged(rows.map((r) => ({ ...r, target: JSON.parse(r.target) as unknown, dryRun: r.dryRun === 1 })), page, (row) => row.seq);
    },
  };
}
