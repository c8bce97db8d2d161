import { mkdtempSync, rmSync } from 'node:fs';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event } from '../../../src/events/event';
import { openSpool, type Spool } from '../../../src/pipeline/spool';
import type { SinkState } from '../../../src/pipeline/spool/cursors';
import { openDatabase } from '../../../src/pipeline/spool/database';
import { createGroupCommitter, type GroupCommitter } from '../../../src/pipeline/spool/group-commit';
import { createRetention } from '../../../src/pipeline/spool/retention';
import { migrateSpool } from '../../../src/pipeline/spool/schema';
import type { Database } from '../../../src/pipeline/spool/sqlite';

const runs = new Set<string | symbol>(['all', 'get', 'run', 'iterate']);

/** The connection as retention sees it, counting every statement it executes (the work of a pass). */
function counting(db: Database): { db: Database; executed: () => number } {
  let executed = 0;
  const statement = (inner: StatementSync): StatementSync =>
    new Proxy(inner, {
      get(target, key) {
        const value = Reflect.get(target, key, target) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (runs.has(key)) executed += 1;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  const proxy = new Proxy(db, {
    get(target, key) {
      if (key === 'prepare') return (sql: string) => statement(target.prepare(sql));
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { db: proxy, executed: () => executed };
}

describe('Retention walking past held events', () => {
  const held = 40_000;
  let dir: string;
  let raw: Database;
  let committer: GroupCommitter;
  let retention: ReturnType<typeof createRetention>;
  let executed: () => number;
  const forgotten: string[] = [];

  /** Statements one pass executes, and what it removed. */
  async function pass(before: number): Promise<{ removed: number; statements: number }> {
    const start = executed();
    const removed = await retention.prune(before, Number.MAX_SAFE_INTEGER);
    return { removed, statements: executed() - start };
  }
  const stored = () => raw.prepare('SELECT count(*) AS n FROM log').get()?.n;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgw-retention-'));
    raw = openDatabase(join(dir, 'spool.db'));
    migrateSpool(raw);
    // Seqs 1..40,000: dead letters of sink a; then 10 delivered events; then 5 received later (9,000).
    const insert = raw.prepare("INSERT INTO log (seq, id, received_at, attributes, data) VALUES (?, ?, ?, '{}', '{}')");
    const dead = raw.prepare("INSERT INTO exceptions (sink, seq, state, received_at, attempts, dead_at) VALUES ('a', ?, 'dead', 1000, 3, 2000)");
    raw.exec('BEGIN');
    for (let seq = 1; seq <= held; seq += 1) {
      insert.run(seq, `held-${seq}`, 1000);
      dead.run(seq);
    }
    for (let seq = held + 1; seq <= held + 10; seq += 1) insert.run(seq, `done-${seq}`, 1000);
    for (let seq = held + 11; seq <= held + 15; seq += 1) insert.run(seq, `young-${seq}`, 9000);
    raw.exec('COMMIT');
    const wrapped = counting(raw);
    executed = wrapped.executed;
    committer = createGroupCommitter(wrapped.db);
    const states = new Map([['a', { cursor: held + 15 } as SinkState]]);
    forgotten.length = 0;
    retention = createRetention(wrapped.db, committer, () => states, (id) => void forgotten.push(id), { value: held + 15 });
  });
  afterEach(() => {
    raw.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('When a pass finds nothing new to remove, then it does not walk the held events again', async () => {
    const first = await pass(5000);
    const second = await pass(5000);

    expect(first.removed).toBe(10);
    // The first pass looks at every window of held events (20 of 2,000 seqs); the second, a handful of
    // statements whatever the number held.
    expect(first.statements).toBeGreaterThanOrEqual(held / 2000);
    expect(second).toEqual({ removed: 0, statements: expect.any(Number) });
    expect(second.statements).toBeLessThanOrEqual(10);
  });

  test('When held events are released (delivered, dropped, marked done) after a pass, then the next pass removes exactly those', async () => {
    await pass(5000);
    await committer.submit(() => {
      raw.prepare('DELETE FROM exceptions WHERE seq = 777').run();
      raw.prepare("UPDATE exceptions SET state = 'retry' WHERE seq = 35000").run();
      raw.prepare("UPDATE exceptions SET state = 'done' WHERE seq = 12345").run();
    });

    const next = await pass(5000);

    expect(next.removed).toBe(2);
    expect(forgotten).toEqual(expect.arrayContaining(['held-777', 'held-12345']));
    expect(forgotten).not.toContain('held-35000');
    expect(stored()).toBe(held - 2 + 5);
  });

  test('When time passes the retention of events kept only for their age, then a later pass removes them', async () => {
    await pass(5000);
    await pass(5000);

    expect((await pass(10_000)).removed).toBe(5);
    expect(stored()).toBe(held);
  });

  test('When another connection releases a held event (an operator command), then the next pass still finds it', async () => {
    await pass(5000);
    const other = new DatabaseSync(join(dir, 'spool.db'), { timeout: 5000 });
    other.prepare('DELETE FROM exceptions WHERE seq = 3').run();
    other.close();

    expect((await pass(5000)).removed).toBe(1);
    expect(forgotten).toContain('held-3');
  });
});

describe('Retention of the spool, dead letters redriven after a pass', () => {
  let dir: string;
  let spool: Spool;
  const event = (id: string): Event => ({
    attributes: { specversion: '1.0', id, source: 's', type: 't', time: '2026-01-01T00:00:00.000Z', datacontenttype: 'application/json' },
    data: '{}',
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgw-retention-'));
    spool = openSpool({ path: join(dir, 'spool.db'), sinks: ['a'] });
  });
  afterEach(() => {
    spool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('When dead letters a pass walked past are redriven and delivered, then the next pass removes those delivered', async () => {
    await Promise.all(Array.from({ length: 3000 }, (_, i) => spool.append(event(`held-${i}`), 1000)));
    const seqs = spool.due('a', 10_000, 3000).map((item) => item.seq);
    await spool.deadLetter('a', seqs, 'HTTP 400', 2000);
    expect(await spool.pruneAll(5000)).toBe(0);
    expect(await spool.pruneAll(5000)).toBe(0);

    expect(await spool.admin.redriveDeadLetters({ since: 0 }, 3000)).toBe(3000);
    await spool.delivered('a', seqs.slice(0, 2500));

    expect(await spool.pruneAll(5000)).toBe(2500);
    expect(spool.admin.stats().events).toBe(500);
  });
});
