import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event } from '../../../src/events/event';
import { createAdmin } from '../../../src/pipeline/admin';
import { openSpool, type Spool } from '../../../src/pipeline/spool';

const event = (id: string): Event => ({
  attributes: { specversion: '1.0', id, source: 's', type: 't', time: '2026-01-01T00:00:00.000Z', datacontenttype: 'application/json' },
  data: '{}',
});

describe('admin statistics', () => {
  let dir: string;
  let spool: Spool;
  let now = 10_000;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgw-admin-stats-'));
    spool = openSpool({ path: join(dir, 'spool.db'), sinks: ['file'], searchFlushRows: 2 });
  });
  afterEach(() => {
    spool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('When the statistics are asked again within a second of the clock, then the same reading is served; after it, a new one', async () => {
    const admin = createAdmin({ store: spool.adminStore, sinks: ['file'], recheck: () => ({ kind: 'no_vendor' }), clock: () => now, instance: 'test' });
    await Promise.all(['a', 'b', 'c'].map((id) => spool.append(event(id), 1000)));
    const first = admin.stats();

    await spool.append(event('d'), 2000);
    now += 999;
    const cached = admin.stats();
    now += 1;
    const fresh = admin.stats();

    expect([first.events, cached.events, fresh.events]).toEqual([3, 3, 4]);
    expect([fresh.firstSeq, fresh.lastSeq]).toEqual([1, 4]);
  });

  test('When events are stored, some still held for the search table, then the count includes them exactly', async () => {
    for (const id of ['a', 'b', 'c', 'd', 'e']) await spool.append(event(id), 1000);

    expect(spool.adminStore.stats().events).toBe(5);
  });
});
