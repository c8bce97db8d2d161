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
  let another: Spool | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgw-batch-'));
    spool = openSpool({ path: join(dir, 'spool.db'), sinks: ['a'] });
  });
  afterEach(() => {
    spool.close();
    another?.close();
    another = undefined;
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

  test('When a page of history is committed beside a callback, then the page does not open the commit window for the next callback', async () => {
    // A window opens after a sync that covered two writes a request waits for; no request waits for a
    // page of history. With a ten-minute window, a page counted as one would hold the next callback that long.
    // (Closed after each test, which also ends a window left open.)
    another = openSpool({ path: join(dir, 'another.db'), sinks: ['a'], commitWindowMs: 600_000 });
    expect(await Promise.all([another.appendMany([event('p1'), event('p2')], 1000), another.append(event('c1'), 1000)])).toEqual([['accepted', 'accepted'], 'accepted']);

    await expect(another.append(event('c2'), 1001)).resolves.toBe('accepted');
  });

  test('When a callback is stored beside a page, then a sink whose route passes over the callback still gets the whole page: commits keep the order of seqs', async () => {
    // The cursor passes rows its route does not want as it reads them: a row committed before a lower seq would let it pass that seq.
    another = openSpool({ path: join(dir, 'routed.db'), sinks: [{ name: 'a', accepts: (e) => e.attributes.type !== 'callback' }] });
    const callback: Event = { ...event('c1'), attributes: { ...event('c1').attributes, type: 'callback' } };
    const page = another.appendMany([event('p1'), event('p2')], 1000);
    await another.append(callback, 1000);
    const read = another.due('a', 5000, 10).map((e) => e.event.attributes.id);
    await page;
    read.push(...another.due('a', 5000, 10).map((e) => e.event.attributes.id));

    expect([...new Set(read)].sort()).toEqual(['p1', 'p2']);
  });
});
