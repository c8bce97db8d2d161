import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event } from '../../../src/events/event';
import { openSpool, type Spool } from '../../../src/pipeline/spool';
import { spoolFile } from '../../../src/pipeline/spool/compact';
import { migrateSpool } from '../../../src/pipeline/spool/schema';

const event = (id: string): Event => ({
  attributes: { specversion: '1.0', id, source: 's', type: 't', time: '2026-01-01T00:00:00.000Z', datacontenttype: 'application/json' },
  data: JSON.stringify({ text: id.repeat(20) }),
});
/** `PRAGMA <name>` read through a connection of its own. */
const read = (path: string, name: string): unknown => {
  const db = new DatabaseSync(path);
  try {
    return db.prepare(`PRAGMA ${name}`).get()?.[name];
  } finally {
    db.close();
  }
};
const autoVacuum = (path: string) => read(path, 'auto_vacuum');

describe('The spool file: pages kept for reuse, compaction', () => {
  let dir: string;
  let path: string;
  let spool: Spool | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgw-spoolfile-'));
    path = join(dir, 'spool.db');
  });
  afterEach(() => {
    spool?.close();
    spool = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  /** Appends `n` events named `prefix-i`, received at `at`. */
  const fill = (prefix: string, n: number, at: number) => Promise.all(Array.from({ length: n }, (_, i) => spool!.append(event(`${prefix}-${i}`), at)));

  test('When retention removes events, then their pages stay in the file and the next events reuse them (no pointer map to write in every commit)', async () => {
    spool = openSpool({ path, sinks: [] });
    await fill('first', 4000, 1000);
    expect(await spool.pruneAll(2000)).toBe(4000);
    const free = spoolFile(path).use().freeBytes;
    const pages = read(path, 'page_count');
    await fill('second', 2000, 3000);

    expect(autoVacuum(path)).toBe(0);
    expect(free).toBeGreaterThan(100 * 4096);
    expect(spoolFile(path).use().freeBytes).toBeLessThan(free / 2);
    expect(read(path, 'page_count')).toBe(pages);
  });

  test('When a stopped spool is compacted, then its free pages go back to the disk and every event still pending is delivered after it', async () => {
    spool = openSpool({ path, sinks: ['a'] });
    await fill('old', 4000, 1000);
    await spool.delivered('a', spool.due('a', 10_000, 4000).map((item) => item.seq));
    expect(await spool.pruneAll(2000)).toBe(4000);
    await fill('pending', 50, 3000);
    spool.close();
    spool = undefined;

    const file = spoolFile(path);
    const { before, after } = file.compact();
    spool = openSpool({ path, sinks: ['a'] });
    const due = spool.due('a', 10_000, 100);

    expect(before.freeBytes).toBeGreaterThan(100 * 4096);
    expect(after.freeBytes).toBe(0);
    expect(after.fileBytes).toBeLessThan(before.fileBytes - before.freeBytes / 2);
    expect(statSync(path).size).toBe(after.fileBytes);
    expect(due.map((item) => item.event.attributes.id)).toEqual(Array.from({ length: 50 }, (_, i) => `pending-${i}`));
  });

  test('When a spool made with incremental auto-vacuum is compacted, then it is rewritten without its pointer map', () => {
    const old = new DatabaseSync(path);
    old.exec('PRAGMA auto_vacuum = INCREMENTAL; PRAGMA journal_mode = WAL');
    migrateSpool(old);
    old.close();
    expect(autoVacuum(path)).toBe(2);

    spoolFile(path).compact();

    expect(autoVacuum(path)).toBe(0);
  });
});
