import Database from 'better-sqlite3';
import { createGroupCommitter } from '../../../src/pipeline/group-commit';

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
});
