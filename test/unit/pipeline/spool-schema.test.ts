import { DatabaseSync } from 'node:sqlite';
import { pragma } from '../../../src/pipeline/spool/sqlite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSpool } from '../../../src/pipeline/spool';
import { migrateSpool, spoolMigrations, spoolSchemaVersion } from '../../../src/pipeline/spool/schema';

/** A spool as the first release wrote it: no user_version, quarantine with the URL in `query`. */
function firstReleaseSpool(path: string): void {
  const db = new DatabaseSync(path);
  db.exec(spoolMigrations[0] as string);
  const attributes = (id: string) => JSON.stringify({ specversion: '1.0', id, source: 's', type: 't', time: '2026-01-01T00:00:00.000Z', datacontenttype: 'application/json' });
  db.prepare('INSERT INTO events (id, received_at, attributes, data) VALUES (?, ?, ?, ?)').run('old-1', 1000, attributes('old-1'), '{"n":1}');
  db.prepare('INSERT INTO events (id, received_at, attributes, data) VALUES (?, ?, ?, ?)').run('old-2', 2000, attributes('old-2'), '{"n":2}');
  db.prepare('INSERT INTO pending (sink, seq, received_at, next_at) VALUES (?, ?, ?, ?)').run('a', 1, 1000, 1000);
  db.prepare('INSERT INTO pending (sink, seq, received_at, next_at) VALUES (?, ?, ?, ?)').run('a', 2, 2000, 2000);
  db.prepare('INSERT INTO dead_letters (sink, seq, received_at, attempts, dead_at) VALUES (?, ?, ?, ?, ?)').run('b', 1, 1000, 3, 1500);
  db.prepare('INSERT INTO quarantine (received_at, vendor, command, reason, detail, query, body) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    3000, 'tencent', 'C2C.CallbackAfterSendMsg', 'invalid_json', 'bad', '/tencent/callback?SdkAppid=1400000001&CallbackCommand=C2C.CallbackAfterSendMsg&Sign=redacted', Buffer.from('{'),
  );
  db.close();
}

describe('spool schema versions', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'imgw-schema-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('When a spool written before versioning is opened, then it is migrated with its data: events, pending, dead letters, quarantine head', () => {
    const path = join(dir, 'spool.db');
    firstReleaseSpool(path);

    const spool = openSpool({ path, sinks: ['a', 'b'] });
    try {
      expect(spool.pragma('user_version')).toBe(spoolSchemaVersion);
      expect(spool.due('a', 5000, 10).map((item) => item.event.attributes.id)).toEqual(['old-1', 'old-2']);
      expect(spool.due('a', 5000, 10)[0]?.event).toEqual({ attributes: expect.objectContaining({ id: 'old-1' }), data: '{"n":1}' });
      expect(spool.backlog()).toEqual([{ sink: 'a', pending: 2, oldestReceivedAt: 1000 }]);
      expect(spool.deadLetterCounts()).toEqual([{ sink: 'b', count: 1 }]);
      expect(spool.admin.quarantined(1)).toMatchObject({
        vendor: 'tencent',
        reason: 'invalid_json',
        head: { query: 'SdkAppid=1400000001&CallbackCommand=C2C.CallbackAfterSendMsg&Sign=redacted' },
        body: Buffer.from('{'),
      });
    } finally {
      spool.close();
    }
  });

  test('When a current spool is opened again, then no migration runs twice', () => {
    const path = join(dir, 'spool.db');
    openSpool({ path, sinks: ['a'] }).close();
    const db = new DatabaseSync(path);
    try {
      expect(migrateSpool(db)).toBe(spoolSchemaVersion);
      expect(pragma(db, 'user_version')).toBe(spoolSchemaVersion);
    } finally {
      db.close();
    }
  });

  test('When a spool was written by a newer version, then opening it is refused with both versions named', () => {
    const path = join(dir, 'spool.db');
    openSpool({ path, sinks: ['a'] }).close();
    const db = new DatabaseSync(path);
    pragma(db, `user_version = ${spoolSchemaVersion + 1}`);
    db.close();

    expect(() => openSpool({ path, sinks: ['a'] })).toThrow(`schema version ${spoolSchemaVersion + 1}, newer than this version understands (${spoolSchemaVersion})`);
  });
});
