import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event } from '../../../src/events/event';
import { createAdmin } from '../../../src/pipeline/admin';
import { openSpool, type Spool } from '../../../src/pipeline/spool';

const event = (id: string, fromaccount: string): Event => ({
  attributes: { specversion: '1.0', id, source: 's', type: 't', time: '2026-01-01T00:00:00.000Z', datacontenttype: 'application/json', vendor: 'tencent', fromaccount },
  data: '{}',
});

describe('admin event search', () => {
  let dir: string;
  let spool: Spool;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imgw-admin-search-'));
    // A slice of 10 events per spool call: the match below is 5 slices deep.
    spool = openSpool({ path: join(dir, 'spool.db'), sinks: ['file'], searchBudget: 10 });
    await spool.append(event('old-alice', 'alice'), 1000);
    await Promise.all(Array.from({ length: 50 }, (_, i) => spool.append(event(`bob-${i}`, 'bob'), 2000 + i)));
  });
  afterEach(() => {
    spool.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const admin = () => createAdmin({ store: spool.adminStore, sinks: ['file'], recheck: () => ({ kind: 'no_vendor' }), clock: () => 5000, instance: 'test' });

  test('When the match lies several slices deep, then one request follows the spool\'s cursor and finds it', async () => {
    const direct = spool.adminStore.searchEvents({ sender: 'alice' }, { limit: 10 });

    const found = await admin().searchEvents({ sender: 'alice' }, { limit: 10 });

    expect(direct.items).toEqual([]);
    expect(direct.next).toBeDefined();
    expect(found.items.map((item) => item.event.attributes.id)).toEqual(['old-alice']);
    expect(found.next).toBeUndefined();
  });

  test('When the page fills before the log ends, then the request stops there and hands back a cursor', async () => {
    const first = await admin().searchEvents({ sender: 'bob' }, { limit: 15 });
    const rest = await admin().searchEvents({ sender: 'bob' }, { limit: 100, after: first.next });

    expect(first.items).toHaveLength(15);
    expect(first.next).toBeDefined();
    expect([...first.items, ...rest.items].map((item) => item.event.attributes.id)).toEqual(Array.from({ length: 50 }, (_, i) => `bob-${49 - i}`));
  });
});
