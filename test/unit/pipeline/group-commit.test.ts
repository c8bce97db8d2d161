import Database from 'better-sqlite3';
import { createGroupCommitter } from '../../../src/pipeline/group-commit';
import { nextTurn } from '../../helpers/wait';

describe('createGroupCommitter', () => {
  test('When one write of a group throws, then only it is rolled back and rejected; the others commit together', async () => {
    const db = new Database(':memory:');
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
    expect(db.prepare('SELECT v FROM t ORDER BY v').pluck().all()).toEqual(['a', 'c']);
    expect(commits).toEqual([true]);
    expect(db.inTransaction).toBe(false);
  });

  test('When a sync is in flight, then later commits go ahead and wait for the next sync, which covers them all', async () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (v TEXT PRIMARY KEY)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const syncs: ((error?: unknown) => void)[] = [];
    const committer = createGroupCommitter(db, { sync: (done) => syncs.push(done) });
    const answered: string[] = [];
    const write = (v: string) => committer.submit(() => insert.run(v)).then(() => answered.push(v));
    const tick = nextTurn;

    const first = write('a');
    await tick();
    expect(syncs).toHaveLength(1);
    const later = [write('b'), write('c')];
    await tick();
    await tick();
    // Committed while the first sync runs, but not answered, and no second sync until the first ends.
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(3);
    expect(syncs).toHaveLength(1);
    expect(answered).toEqual([]);
    syncs[0]?.();
    await first;
    expect(answered).toEqual(['a']);
    expect(syncs).toHaveLength(2);
    syncs[1]?.(new Error('EIO'));
    await expect(Promise.all(later)).rejects.toThrow('EIO');
    expect(answered).toEqual(['a']);
  });

  test('When flushed at shutdown, then queued and in-flight writes are made durable at once and answered', async () => {
    const db = new Database(':memory:');
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
