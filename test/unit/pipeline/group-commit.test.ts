import { DatabaseSync } from 'node:sqlite';
import { column } from '../../../src/pipeline/spool/sqlite';
import { createGroupCommitter } from '../../../src/pipeline/spool/group-commit';
import { nextTurn } from '../../helpers/wait';

/**
 * A committer with a 5 ms window that opens after a sync of `windowMinWrites`, whose syncs and
 * window timers are held for the test to release (the window's waits are recorded in `timers`).
 */
function windowed(windowMinWrites: number) {
  const db = new DatabaseSync(':memory:');
  db.exec('CREATE TABLE t (v TEXT PRIMARY KEY)');
  const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
  const clock = { now: 1000 };
  const timers: number[] = [];
  const syncs: ((error?: unknown) => void)[] = [];
  const committer = createGroupCommitter(db, {
    sync: (done) => syncs.push(done),
    windowMs: 5,
    windowMinWrites,
    clock: () => clock.now,
    timer: (_run, ms) => {
      timers.push(ms);
      return () => undefined;
    },
  });
  const count = () => column(db, 'SELECT count(*) FROM t').get() as number;
  /** Submits `v` and checks that it waits for the window (4 ms of it left) until the committer is flushed. */
  async function waitsForWindow(v: string): Promise<void> {
    const before = count();
    const write = committer.submit(() => insert.run(v));
    await nextTurn();
    expect(count()).toBe(before);
    expect(timers).toEqual([4]);
    committer.flush();
    await write;
    expect(count()).toBe(before + 1);
  }
  return { insert, clock, timers, syncs, committer, count, waitsForWindow };
}

describe('createGroupCommitter', () => {
  test('When one write of a group throws, then only it is rolled back and rejected; the others commit together', async () => {
    const db = new DatabaseSync(':memory:');
    db.exec('CREATE TABLE t (v TEXT PRIMARY KEY)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const commits: boolean[] = [];
    const committer = createGroupCommitter(db, (ok) => commits.push(ok));

    const results = await Promise.allSettled([
      committer.submit(() => insert.run('a').changes),
      committer.submit(() => {
        insert.run('b');
        throw new Error('second write fails after a partial change');
      }),
      committer.submit(() => insert.run('c').changes),
    ]);

    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(column(db, 'SELECT v FROM t ORDER BY v').all()).toEqual(['a', 'c']);
    expect(commits).toEqual([true]);
    expect(db.isTransaction).toBe(false);
  });

  test('When SQLite rolls the whole transaction back for one write (SQLITE_FULL), then every write of the group is rejected with that error and nothing of it is kept', async () => {
    const db = new DatabaseSync(':memory:');
    db.exec('CREATE TABLE t (v TEXT)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    // The database may not grow past the pages it has (SQLite keeps the limit at least its size).
    db.exec('PRAGMA max_page_count = 1');
    const commits: boolean[] = [];
    const committer = createGroupCommitter(db, (ok) => commits.push(ok));

    const results = await Promise.allSettled([
      committer.submit(() => insert.run('a').changes),
      committer.submit(() => insert.run('x'.repeat(100_000)).changes),
      committer.submit(() => insert.run('c').changes),
    ]);

    expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : r.status))).toEqual(Array(3).fill('Error: database or disk is full'));
    expect(column(db, 'SELECT v FROM t').all()).toEqual([]);
    expect(commits).toEqual([false]);
    expect(db.isTransaction).toBe(false);
  });

  test('When a sync is in flight, then later writes wait for it and are committed together, covered by the next sync', async () => {
    const db = new DatabaseSync(':memory:');
    db.exec('CREATE TABLE t (v TEXT PRIMARY KEY)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const syncs: ((error?: unknown) => void)[] = [];
    const commits: boolean[] = [];
    const committer = createGroupCommitter(db, { sync: (done) => syncs.push(done), onCommit: (ok) => commits.push(ok) });
    const answered: string[] = [];
    const write = (v: string) => committer.submit(() => insert.run(v)).then(() => answered.push(v));
    const tick = nextTurn;

    const first = write('a');
    await tick();
    expect(syncs).toHaveLength(1);
    const later = [write('b'), write('c')];
    await tick();
    await tick();
    // Queued while the first sync runs: neither committed nor answered, and no second sync yet.
    expect(column(db, 'SELECT count(*) FROM t').get()).toBe(1);
    expect(committer.queued).toBe(2);
    expect(syncs).toHaveLength(1);
    expect(answered).toEqual([]);
    syncs[0]?.();
    await first;
    expect(answered).toEqual(['a']);
    await tick();
    // Both committed in one transaction, then one sync for them.
    expect(column(db, 'SELECT count(*) FROM t').get()).toBe(3);
    expect(commits).toEqual([true, true]);
    expect(syncs).toHaveLength(2);
    syncs[1]?.(new Error('EIO'));
    await expect(Promise.all(later)).rejects.toThrow('EIO');
    expect(answered).toEqual(['a']);
  });

  test('When a sync runs long, then the queue is still committed every maxDeferred writes, so no transaction grows without bound', async () => {
    const db = new DatabaseSync(':memory:');
    db.exec('CREATE TABLE t (v INTEGER PRIMARY KEY)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const syncs: ((error?: unknown) => void)[] = [];
    const committer = createGroupCommitter(db, { sync: (done) => syncs.push(done), maxDeferred: 3 });
    const writes = [committer.submit(() => insert.run(0))];
    await nextTurn();
    expect(syncs).toHaveLength(1);
    const count = () => column(db, 'SELECT count(*) FROM t').get();
    for (let v = 1; v <= 3; v++) writes.push(committer.submit(() => insert.run(v)));
    await nextTurn();
    // A full group of three was committed while the sync ran (still unanswered: it needs the next sync).
    expect(count()).toBe(4);
    for (let v = 4; v <= 5; v++) writes.push(committer.submit(() => insert.run(v)));
    await nextTurn();
    expect(count()).toBe(4);
    expect(committer.queued).toBe(2);
    expect(syncs).toHaveLength(1);
    syncs[0]?.();
    await nextTurn();
    // The next sync covers the full group and the two committed after the first sync ended.
    expect(count()).toBe(6);
    expect(syncs).toHaveLength(2);
    syncs[1]?.();
    await expect(Promise.all(writes)).resolves.toHaveLength(6);
  });

  test('When writes come within the window of the last sync, then they are committed when it closes, in one transaction; an idle committer commits at once', async () => {
    const db = new DatabaseSync(':memory:');
    db.exec('CREATE TABLE t (v TEXT PRIMARY KEY)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const clock = { now: 1000 };
    const timers: { run: () => void; ms: number; cancelled: boolean }[] = [];
    const syncs: ((error?: unknown) => void)[] = [];
    const commits: boolean[] = [];
    const committer = createGroupCommitter(db, {
      sync: (done) => syncs.push(done),
      onCommit: (ok) => commits.push(ok),
      windowMs: 2,
      clock: () => clock.now,
      timer: (run, ms) => {
        const entry = { run, ms, cancelled: false };
        timers.push(entry);
        return () => void (entry.cancelled = true);
      },
    });
    const count = () => column(db, 'SELECT count(*) FROM t').get();

    // Idle: committed and synced on the next turn, no timer.
    const first = committer.submit(() => insert.run('a'));
    await nextTurn();
    expect(count()).toBe(1);
    expect(timers).toHaveLength(0);
    clock.now += 0.5;
    syncs[0]?.();
    await first;

    // 0.5 ms after the last sync started: two writes wait 1.5 ms for the window to close.
    const second = [committer.submit(() => insert.run('b')), committer.submit(() => insert.run('c'))];
    await nextTurn();
    expect(count()).toBe(1);
    expect(timers.map((t) => t.ms)).toEqual([1.5]);
    clock.now += 1.5;
    timers[0]?.run();
    expect(count()).toBe(3);
    expect(commits).toEqual([true, true]);
    expect(syncs).toHaveLength(2);
    syncs[1]?.();
    await expect(Promise.all(second)).resolves.toHaveLength(2);

    // Long after the last sync: at once again.
    clock.now += 100;
    const third = committer.submit(() => insert.run('d'));
    await nextTurn();
    expect(count()).toBe(4);
    expect(timers).toHaveLength(1);
    syncs[2]?.();
    await third;

    // A shutdown flush while the window is open commits at once and cancels the timer.
    clock.now += 0.1;
    const last = committer.submit(() => insert.run('e'));
    expect(timers).toHaveLength(2);
    committer.flush();
    expect(timers[1]?.cancelled).toBe(true);
    await last;
    expect(count()).toBe(5);
  });

  test('When the window needs three writes per sync, then a lone client never waits and writes that came together do', async () => {
    const { insert, clock, timers, syncs, committer, count, waitsForWindow } = windowed(3);

    // One write after another, each right after the last sync started: no window.
    for (const [i, v] of ['a', 'b', 'c', 'd'].entries()) {
      const write = committer.submit(() => insert.run(v));
      await nextTurn();
      expect(count()).toBe(i + 1);
      clock.now += 0.5;
      syncs[i]?.();
      await write;
    }
    expect(timers).toEqual([]);

    // Three writes queued while a sync runs are covered by the next sync, and the one after waits for the window.
    const lone = committer.submit(() => insert.run('e'));
    await nextTurn();
    const together = ['f', 'g', 'h'].map((v) => committer.submit(() => insert.run(v)));
    syncs[4]?.();
    await lone;
    await nextTurn();
    expect(count()).toBe(8);
    expect(syncs).toHaveLength(6);
    clock.now += 1;
    syncs[5]?.();
    await Promise.all(together);
    await waitsForWindow('i');
  });

  test('When background writes share a sync with a lone client\'s writes, then they are not counted toward the window; two callbacks are', async () => {
    const { insert, clock, timers, syncs, committer, count, waitsForWindow } = windowed(2);

    // Each callback is committed with the acknowledgement of its predecessor's delivery: no window.
    for (const [i, v] of ['a', 'b', 'c'].entries()) {
      const ack = committer.submit(() => insert.run(`ack-${v}`), { background: true });
      const write = committer.submit(() => insert.run(v));
      await nextTurn();
      expect(count()).toBe(2 * (i + 1));
      clock.now += 0.5;
      syncs[i]?.();
      await Promise.all([ack, write]);
    }
    expect(timers).toEqual([]);

    // Two callbacks in one sync: the next commit waits for the window.
    const pair = ['d', 'e'].map((v) => committer.submit(() => insert.run(v)));
    await nextTurn();
    clock.now += 1;
    syncs[3]?.();
    await Promise.all(pair);
    await waitsForWindow('f');
  });

  test('When the window holds windowMaxWrites requests\' writes, then they are committed at once; acknowledgements do not fill it', async () => {
    const db = new DatabaseSync(':memory:');
    db.exec('CREATE TABLE t (v TEXT PRIMARY KEY)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const clock = { now: 1000 };
    const timers: { ms: number; cancelled: boolean }[] = [];
    const syncs: ((error?: unknown) => void)[] = [];
    const committer = createGroupCommitter(db, {
      sync: (done) => syncs.push(done),
      windowMs: 5,
      windowMaxWrites: 3,
      clock: () => clock.now,
      timer: (_run, ms) => {
        const entry = { ms, cancelled: false };
        timers.push(entry);
        return () => void (entry.cancelled = true);
      },
    });
    const count = () => column(db, 'SELECT count(*) FROM t').get();
    const first = committer.submit(() => insert.run('a'));
    await nextTurn();
    clock.now += 1;
    syncs[0]?.();
    await first;

    // 1 ms after the last sync started: the window has 4 ms to run.
    const gathered = [committer.submit(() => insert.run('b')), committer.submit(() => insert.run('ack-b'), { background: true }), committer.submit(() => insert.run('c'))];
    await nextTurn();
    expect(count()).toBe(1);
    expect(timers.map((t) => t.ms)).toEqual([4]);
    // The third request's write fills it: committed on the next turn, the timer cancelled.
    gathered.push(committer.submit(() => insert.run('d')));
    await nextTurn();
    expect(count()).toBe(5);
    expect(timers[0]?.cancelled).toBe(true);
    syncs[1]?.();
    await expect(Promise.all(gathered)).resolves.toHaveLength(4);
  });

  test('When background writes and requests\' writes share a commit, then the requests\' writes are settled first', async () => {
    const db = new DatabaseSync(':memory:');
    db.exec('CREATE TABLE t (v TEXT PRIMARY KEY)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const syncs: (() => void)[] = [];
    const committer = createGroupCommitter(db, { sync: (done) => syncs.push(() => done()) });
    const settled: string[] = [];
    const submit = (v: string, background: boolean) => committer.submit(() => insert.run(v), { background }).then(() => void settled.push(v));

    const writes = [submit('page', true), submit('callback-1', false), submit('ack', true), submit('callback-2', false)];
    await nextTurn();
    expect(syncs).toHaveLength(1);
    syncs[0]?.();
    await Promise.all(writes);

    // A reply waits on its write; a backfill's page and a delivery's acknowledgement go on after the replies are written.
    expect(settled).toEqual(['callback-1', 'callback-2', 'page', 'ack']);
  });

  test('When a transaction is rolled back and reloading the state after it fails too, then its writes are still rejected and the failure is reported', async () => {
    const db = new DatabaseSync(':memory:');
    db.exec('CREATE TABLE t (v TEXT PRIMARY KEY)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const failures: unknown[] = [];
    const committer = createGroupCommitter(db, {
      onCommit: (ok, error) => void (ok || failures.push(error)),
      beforeCommit: () => {
        throw new Error('cursors not written');
      },
      onRollback: () => {
        throw new Error('state not reloaded');
      },
    });

    await expect(committer.submit(() => insert.run('a'))).rejects.toThrow('cursors not written');
    expect(failures.map((error) => (error as Error).message)).toEqual(['cursors not written', 'state not reloaded']);
    expect(column(db, 'SELECT count(*) FROM t').get()).toBe(0);
  });

  test('When flushed at shutdown, then queued and in-flight writes are made durable at once and answered', async () => {
    const db = new DatabaseSync(':memory:');
    db.exec('CREATE TABLE t (v TEXT PRIMARY KEY)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    let syncedNow = 0;
    const committer = createGroupCommitter(db, { sync: () => {}, syncNow: () => void syncedNow++ });
    const inFlight = committer.submit(() => insert.run('a'));
    await nextTurn();
    const queued = committer.submit(() => insert.run('b'));
    committer.flush();
    await expect(Promise.all([inFlight, queued])).resolves.toHaveLength(2);
    expect(syncedNow).toBe(1);
  });
});
