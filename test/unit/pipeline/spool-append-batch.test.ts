import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event } from '../../../src/events/event';
import { openSpool, type Spool } from '../../../src/pipeline/spool';

const event = (id: string, data: unknown = '{"n":1}'): Event => ({
  attributes: { specversion: '1.0', id, source: 's', type: 't', time: '2026-01-01T00:00:00.000Z', datacontenttype: 'application/json' },
  data: data as string,
});

describe('spool: a batch append', () => {
  let dir: string;
  let spool: Spool;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgw-batch-'));
    spool = openSpool({ path: join(dir, 'spool.db'), sinks: ['a'] });
  });
  afterEach(() => {
    spool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('When a row of the batch cannot be stored, then none is, the sinks count nothing, and every id may come again', async () => {
    // A value SQLite cannot bind fails the second row's insert, as a full disk would.
    await expect(spool.appendMany([event('b1'), event('b2', { not: 'storable' }), event('b3')], 1000)).rejects.toThrow();

    expect(spool.backlog()).toEqual([]);
    expect(spool.due('a', 5000, 10)).toEqual([]);
    expect(await spool.appendMany([event('b1'), event('b2'), event('b3')], 2000)).toEqual(['accepted', 'accepted', 'accepted']);
    expect(spool.backlog()).toEqual([{ sink: 'a', pending: 3, oldestReceivedAt: 2000 }]);
  });
});
