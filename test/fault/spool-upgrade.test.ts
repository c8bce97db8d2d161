import { DatabaseSync } from 'node:sqlite';
import { column, pragma } from '../../src/pipeline/spool/sqlite';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { spoolMigrations, spoolSchemaVersion } from '../../src/pipeline/spool/schema';
import { tempDataDir } from '../helpers/service';
import { until } from '../helpers/wait';

const EVENTS = 1_000_000;
const root = join(__dirname, '../..');

/** A schema-3 spool of `EVENTS` events, written with SQL in one statement per table (seconds, not minutes). */
function bigSchema3Spool(path: string): void {
  const db = new DatabaseSync(path);
  pragma(db, 'journal_mode = WAL');
  for (const [version, sql] of spoolMigrations.entries()) {
    db.exec(sql);
    pragma(db, `user_version = ${version + 1}`);
  }
  db.exec(`
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${EVENTS})
    INSERT INTO events (id, received_at, attributes, data) SELECT 'e' || i, i, '{"specversion":"1.0","id":"e' || i || '"}', '{}' FROM n;
    -- a: the newest half pending; b: every event after 900,000 pending, ten dead letters, one retry.
    INSERT INTO pending (sink, seq, received_at, next_at) SELECT 'a', seq, received_at, received_at FROM events WHERE seq > ${EVENTS / 2};
    INSERT INTO pending (sink, seq, received_at, next_at) SELECT 'b', seq, received_at, received_at FROM events WHERE seq > 900000;
    INSERT INTO dead_letters (sink, seq, received_at, attempts, dead_at) SELECT 'b', seq, received_at, 3, 5 FROM events WHERE seq <= 10;
    UPDATE pending SET attempts = 2, next_at = 7, first_error = 'down' WHERE sink = 'b' AND seq = 900001;`);
  db.close();
}

/**
 * Opens the spool in a child process (which migrates it). With `killAtSeq`, kills it with SIGKILL once
 * the copy into the log has passed that seq (a random point of the upgrade), unless it finished first.
 */
async function openInChild(path: string, killAtSeq?: number): Promise<{ code: number | null; signal: string | null }> {
  const child = spawn(process.execPath, ['-e', `require('./dist/pipeline/spool').openSpool({ path: ${JSON.stringify(path)}, sinks: ['a', 'b'] }).close()`], { cwd: root, stdio: 'inherit' });
  let exit: { code: number | null; signal: string | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, signal) => resolve((exit = { code, signal }))));
  try {
    if (killAtSeq !== undefined) {
      await until(() => exit !== undefined || copiedUpTo(path) > killAtSeq, { timeoutMs: 120_000, what: 'the upgrade copied events' });
      child.kill('SIGKILL');
    }
    return await exited;
  } finally {
    if (exit === undefined) child.kill('SIGKILL');
  }
}

/** The last seq copied into the log so far (0 before the copy began), read on a connection of its own. */
function copiedUpTo(path: string): number {
  const db = new DatabaseSync(path, { readOnly: true, timeout: 1000 });
  try {
    return (column(db, "SELECT count(*) FROM sqlite_master WHERE name = 'log'").get() as number) === 0 ? 0 : (column(db, 'SELECT coalesce(max(seq), 0) FROM log').get() as number);
  } catch {
    return 0;
  } finally {
    db.close();
  }
}

describe('fault: kill -9 while a spool is upgraded', () => {
  test(`When the upgrade of a ${EVENTS.toLocaleString('en')}-event schema-3 spool is killed at random points, then the next start finishes it with nothing lost or doubled`, async () => {
    const dataDir = tempDataDir();
    const path = join(dataDir, 'spool.db');
    try {
      bigSchema3Spool(path);

      const kills = [];
      for (let i = 0; i < 3; i += 1) kills.push(await openInChild(path, copiedUpTo(path) + Math.floor(Math.random() * 300_000)));
      const finished = await openInChild(path);

      expect(finished).toEqual({ code: 0, signal: null });
      expect(kills.some((k) => k.signal === 'SIGKILL')).toBe(true);
      const db = new DatabaseSync(path, { readOnly: true });
      try {
        expect(pragma(db, 'user_version')).toBe(spoolSchemaVersion);
        expect(db.prepare('SELECT count(*) AS events, count(DISTINCT id) AS ids, min(seq) AS first, max(seq) AS last FROM log').get()).toEqual({ events: EVENTS, ids: EVENTS, first: 1, last: EVENTS });
        expect(db.prepare('SELECT sink, acked, pending FROM cursors ORDER BY sink').all()).toEqual([
          { sink: 'a', acked: EVENTS / 2, pending: EVENTS / 2 },
          { sink: 'b', acked: 900001, pending: 100000 },
        ]);
        expect(db.prepare('SELECT sink, state, count(*) AS n FROM exceptions GROUP BY sink, state ORDER BY sink, state').all()).toEqual([
          { sink: 'b', state: 'dead', n: 10 },
          { sink: 'b', state: 'retry', n: 1 },
        ]);
      } finally {
        db.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 240_000);
});
