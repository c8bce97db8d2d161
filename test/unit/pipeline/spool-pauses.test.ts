import { DatabaseSync } from 'node:sqlite';
import { pragma } from '../../../src/pipeline/spool/sqlite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSpool } from '../../../src/pipeline/spool';
import { spoolSchemaVersion } from '../../../src/pipeline/spool/schema';

describe('spool paused sinks', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgw-pauses-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('When a sink is paused and the spool reopened, then it is still paused, with who and when, until resumed', async () => {
    const path = join(dir, 'spool.db');
    const first = openSpool({ path, sinks: ['a', 'b'] });
    await first.adminStore.setPaused('a', { at: 1000, actor: 'bob' });
    await first.adminStore.setPaused('a', { at: 2000, actor: 'carol' });
    first.close();

    const second = openSpool({ path, sinks: ['a', 'b'] });
    const reopened = second.pausedSinks();
    await second.adminStore.setPaused('a', undefined);
    const resumed = second.adminStore.pausedSinks();
    second.close();

    expect(reopened).toEqual([{ sink: 'a', at: 1000, actor: 'bob' }]);
    expect(resumed).toEqual([]);
  });

  test('When a schema-5 spool is opened, then it gains the paused sinks (none) and the current version', () => {
    const path = join(dir, 'spool.db');
    openSpool({ path, sinks: ['a'] }).close();
    const db = new DatabaseSync(path);
    db.exec('DROP TABLE paused_sinks; DROP TABLE alive; DROP TABLE gaps; DROP TABLE sequences;');
    pragma(db, 'user_version = 5');
    db.close();

    const spool = openSpool({ path, sinks: ['a'] });
    try {
      expect(spool.pragma('user_version')).toBe(spoolSchemaVersion);
      expect(spool.pausedSinks()).toEqual([]);
    } finally {
      spool.close();
    }
  });
});
