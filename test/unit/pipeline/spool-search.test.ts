import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { column, pragma } from '../../../src/pipeline/spool/sqlite';
import type { Event } from '../../../src/events/event';
import type { AdminStore, EventFilter, SearchedEvent } from '../../../src/pipeline/admin-store';
import { openSpool, type Spool, type SpoolOptions } from '../../../src/pipeline/spool';
import { spoolSchemaVersion } from '../../../src/pipeline/spool/schema';

const event = (id: string, extra: Record<string, string> = {}): Event => ({
  attributes: { specversion: '1.0', id, source: 's', type: 't', time: '2026-01-01T00:00:00.000Z', datacontenttype: 'application/json', vendor: 'tencent', command: 'C2C.CallbackAfterSendMsg', ...extra },
  data: '{}',
});
const ids = (items: readonly SearchedEvent[]) => items.map((item) => item.event.attributes.id);

/** Every page of a search, following `next` to the end. */
function allPages(store: AdminStore, filter: EventFilter, limit: number) {
  const pages = [store.searchEvents(filter, { limit })];
  for (let last = pages[0]; last?.next !== undefined; last = pages.at(-1)) pages.push(store.searchEvents(filter, { limit, after: last.next }));
  return pages;
}

describe('spool event search', () => {
  let dir: string;
  let path: string;
  const spools: Spool[] = [];
  const open = (options: Partial<SpoolOptions> = {}): Spool => {
    const spool = openSpool({ path, sinks: ['a', { name: 'b', accepts: (e) => e.attributes.fromaccount === 'alice' }], ...options });
    spools.push(spool);
    return spool;
  };
  const searchRows = (): number => {
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      return column(db, 'SELECT count(*) FROM search').get() as number;
    } finally {
      db.close();
    }
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgw-search-'));
    path = join(dir, 'spool.db');
  });
  afterEach(() => {
    for (const spool of spools.splice(0)) spool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('When a search runs out of its budget, then it returns a short page with next, and following next finds the match', async () => {
    const spool = open({ searchBudget: 3 });
    for (let i = 1; i <= 10; i += 1) await spool.append(event(`e${i}`, { messageid: i === 2 ? 'wanted' : `m${i}` }), 1000 + i);

    const pages = allPages(spool.adminStore, { messageId: 'wanted' }, 10);

    expect(pages.map((page) => ids(page.items))).toEqual([[], [], ['e2'], []]);
    expect(pages.slice(0, -1).every((page) => page.next !== undefined)).toBe(true);
    expect(pages.at(-1)?.next).toBeUndefined();
  });

  test('When a full page is found within the budget, then next continues just below its last item', async () => {
    const spool = open({ searchBudget: 100 });
    for (let i = 1; i <= 6; i += 1) await spool.append(event(`e${i}`), 1000 + i);

    expect(allPages(spool.adminStore, {}, 4).map((page) => ids(page.items))).toEqual([['e6', 'e5', 'e4', 'e3'], ['e2', 'e1']]);
  });

  test('When events are searched by each field, then only the events matching it come back, newest first', async () => {
    const spool = open({ searchBudget: 2 });
    await spool.append(event('e1', { vendor: 'netease', command: 'c1', appid: 'app1', fromaccount: 'alice', toaccount: 'bob', messageid: 'm1' }), 1001);
    await spool.append(event('e2', { vendor: 'tencent', command: 'c2', appid: 'app2', fromaccount: 'bob', groupid: 'room', messageid: 'm2' }), 1002);
    await spool.append(event('e3', { vendor: 'easemob', command: 'c1', appid: 'app1', fromaccount: 'carol', toaccount: 'alice', messageid: 'm3' }), 1003);
    const found = (filter: EventFilter) => allPages(spool.adminStore, filter, 10).flatMap((page) => ids(page.items));

    expect(found({ vendor: 'netease' })).toEqual(['e1']);
    expect(found({ command: 'c1' })).toEqual(['e3', 'e1']);
    expect(found({ app: 'app2' })).toEqual(['e2']);
    expect(found({ sender: 'bob' })).toEqual(['e2']);
    expect(found({ recipient: 'alice' })).toEqual(['e3']);
    expect(found({ group: 'room' })).toEqual(['e2']);
    expect(found({ messageId: 'm3' })).toEqual(['e3']);
    expect(found({ id: 'e1' })).toEqual(['e1']);
    expect(found({ conversation: 'alice' })).toEqual(['e3', 'e1']);
    expect(found({ conversation: 'room' })).toEqual(['e2']);
    expect(found({ since: 1002 })).toEqual(['e3', 'e2']);
    expect(found({ until: 1002 })).toEqual(['e1']);
    expect(found({ command: 'c1', app: 'app1', since: 1002 })).toEqual(['e3']);
  });

  test('When events are found, then each carries the same sink states as looking it up one by one', async () => {
    const spool = open();
    for (let i = 1; i <= 4; i += 1) await spool.append(event(`e${i}`, { fromaccount: i % 2 ? 'alice' : 'bob' }), 1000 + i);
    await spool.delivered('a', [1, 3]);
    await spool.deadLetter('b', [1], 'refused', 2000);
    await spool.failed('a', [2], 'HTTP 503', 5000, 2000);

    const items = spool.adminStore.searchEvents({}, { limit: 10 }).items;

    expect(items.map((item) => item.sinks)).toEqual(items.map((item) => spool.adminStore.event(item.seq)?.sinks));
    expect(new Set(items.flatMap((item) => item.sinks.map((s) => s.state)))).toEqual(new Set(['delivered', 'pending', 'dead', 'not_routed']));
    expect(spool.adminStore.sinkStates([2, 99])).toEqual(new Map([[2, spool.adminStore.event(2)?.sinks]]));
  });

  test('When an event is looked up by id, then the de-duplication window and the search budget below it are searched, and by seq always', async () => {
    const spool = open({ dedupeWindow: 2, searchBudget: 3 });
    for (let i = 1; i <= 8; i += 1) await spool.append(event(`e${i}`), 1000 + i);

    expect(spool.adminStore.event('e8')?.stored.seq).toBe(8);
    expect(spool.adminStore.event('e4')?.stored.seq).toBe(4);
    expect(spool.adminStore.event('e3')).toBeUndefined();
    expect(spool.adminStore.event(3)?.stored.event.attributes.id).toBe('e3');
  });

  test('When retention removes events, then their search rows go with them', async () => {
    const spool = open({ searchFlushRows: 1 });
    for (let i = 1; i <= 5; i += 1) await spool.append(event(`e${i}`, { messageid: `m${i}` }), 1000 + i);
    await spool.delivered('a', [1, 2, 3, 4, 5]);
    await spool.delivered('b', []);

    expect(await spool.prune(1004)).toBe(3);

    expect(ids(spool.adminStore.searchEvents({}, { limit: 10 }).items)).toEqual(['e5', 'e4']);
    expect(searchRows()).toBe(2);
  });

  test('When fewer events than a group are appended, then they are searchable before their rows are written, and rows lost in a crash are read back from the log', async () => {
    const spool = open({ searchFlushRows: 3 });
    for (let i = 1; i <= 4; i += 1) await spool.append(event(`e${i}`, { messageid: `m${i}` }), 1000 + i);

    expect(searchRows()).toBe(3);
    expect(ids(spool.adminStore.searchEvents({}, { limit: 10 }).items)).toEqual(['e4', 'e3', 'e2', 'e1']);
    spool.close();
    expect(searchRows()).toBe(4);
    const db = new DatabaseSync(path);
    db.exec('DELETE FROM search WHERE seq > 1');
    db.close();

    const reopened = open({ searchFlushRows: 2 });

    expect(ids(reopened.adminStore.searchEvents({ messageId: 'm3' }, { limit: 10 }).items)).toEqual(['e3']);
    await reopened.append(event('e5'), 1005);
    expect(searchRows()).toBe(5);
    expect(ids(reopened.adminStore.searchEvents({}, { limit: 10 }).items)).toEqual(['e5', 'e4', 'e3', 'e2', 'e1']);
  });

  test('When a schema-4 spool is opened, then the search table is filled from the log, and a fill stopped midway is finished without doubling', async () => {
    const before = open();
    for (let i = 1; i <= 5; i += 1) await before.append(event(`e${i}`, { messageid: `m${i}` }), 1000 + i);
    before.close();
    const db = new DatabaseSync(path);
    db.exec('DELETE FROM search WHERE seq > 2; DROP TRIGGER search_forgotten;');
    pragma(db, "user_version = 4");
    db.close();

    const after = open();

    expect(after.pragma('user_version')).toBe(spoolSchemaVersion);
    expect(ids(after.adminStore.searchEvents({ messageId: 'm4' }, { limit: 10 }).items)).toEqual(['e4']);
    expect(ids(after.adminStore.searchEvents({}, { limit: 10 }).items)).toEqual(['e5', 'e4', 'e3', 'e2', 'e1']);
    after.close();
    expect(searchRows()).toBe(5);
  });

  test('When a schema-3 spool is upgraded, then its events can be searched', () => {
    copyFileSync(join(__dirname, '../../fixtures/spool/schema-3.db'), path);

    const spool = open();

    expect(allPages(spool.adminStore, { id: 'fixture-3' }, 10).flatMap((page) => ids(page.items))).toEqual(['fixture-3']);
    expect(spool.adminStore.searchEvents({}, { limit: 100 }).items).toHaveLength(10);
  });
});
