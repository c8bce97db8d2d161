import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { loadConfig } from '../../../src/config';
import { eventToJson, type Event, type EventOrigin } from '../../../src/events/event';
import { openSpool } from '../../../src/pipeline/spool';
import { underivableType } from '../../../src/pipeline/spool/log';
import { createDeriver } from '../../../src/vendors/derive';
import { buildVendors } from '../../../src/vendors/registry';

const fixture = (file: string) => JSON.parse(readFileSync(join(__dirname, '..', '..', 'fixtures', 'tencent', file), 'utf8')) as { query: string; body: unknown };
const receivedAt = Date.parse('2026-12-06T10:00:00.000Z');
const config = loadConfig({ DATA_DIR: '/tmp', TENCENT_SDKAPPIDS: '1400000001' });
const vendors = buildVendors(config.vendors, { clock: () => receivedAt, relayKeys: [] }).active;
const tencent = vendors[0];

/** A Tencent callback's event as the callback route makes it, with its origin as the acceptor gives it to the spool. */
function callback(file: string, msgKey: string, added?: Record<string, string>): { event: Event; origin: EventOrigin } {
  const { query, body } = fixture(file);
  const head = { query: new URLSearchParams(query), headers: {} };
  const intake = tencent!.toEvent(head, Buffer.from(JSON.stringify({ ...(body as object), MsgKey: msgKey })), receivedAt);
  if (intake.kind !== 'event') throw new Error(`${file} does not map to an event`);
  const event = added ? { ...intake.event, attributes: { ...intake.event.attributes, ...added } } : intake.event;
  return { event, origin: added ? { vendor: 'tencent', head: tencent!.storedHead(head), added } : { vendor: 'tencent', head: tencent!.storedHead(head) } };
}

const seen = (event: Event) => ({ cloudEvent: eventToJson(event), message: event.message });
const rows = (path: string) => {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return db.prepare('SELECT seq, attributes, message, head, length(data) AS data FROM log ORDER BY seq').all() as { seq: number; attributes: string; message: string | null; head: string | null; data: number }[];
  } finally {
    db.close();
  }
};

describe('events stored as their body and origin', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgw-origins-'));
    path = join(dir, 'spool.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('When a spool that can make events again stores a vendor\'s event, then the row keeps the body and the origin only, and after a restart a sink gets the same event', async () => {
    const made = [callback('c2c-after-send-text.json', 'k1'), callback('group-after-send.json', 'k2'), callback('c2c-after-send-image.json', 'k3', { backfill: 'admin_getroammsg' })];
    const events = made.map((m) => m.event);
    const first = openSpool({ path, sinks: ['a', 'b'], derive: createDeriver(vendors) });
    expect(await first.append(made[0]!.event, receivedAt, made[0]!.origin)).toBe('accepted');
    expect(await first.appendMany(made.slice(1).map((m) => m.event), receivedAt, made.slice(1).map((m) => m.origin))).toEqual(['accepted', 'accepted']);
    // Before the restart the sink takes the objects the intake made.
    expect(first.due('a', receivedAt, 10).map((item) => item.event)).toEqual(events);
    await first.delivered('a', [1]);
    first.close();

    const stored = rows(path);
    expect(stored.map((row) => [row.attributes, row.message])).toEqual([['', null], ['', null], ['', null]]);
    expect(stored.map((row) => JSON.parse(row.head as string) as unknown)).toEqual([
      { vendor: 'tencent', head: { query: expect.stringContaining('CallbackCommand=C2C.CallbackAfterSendMsg') } },
      { vendor: 'tencent', head: { query: expect.stringContaining('CallbackCommand=Group.CallbackAfterSendMsg') } },
      { vendor: 'tencent', head: { query: expect.stringContaining('CallbackCommand=C2C.CallbackAfterSendMsg') }, added: { backfill: 'admin_getroammsg' } },
    ]);
    // The Sign is not kept.
    expect(stored.every((row) => !/Sign=(?!redacted)/.test(row.head as string))).toBe(true);

    const again = openSpool({ path, sinks: ['a', 'b'], derive: createDeriver(vendors) });
    try {
      expect(again.due('a', receivedAt, 10).map((item) => seen(item.event))).toEqual(events.slice(1).map(seen));
      expect(again.due('b', receivedAt, 10).map((item) => seen(item.event))).toEqual(events.map(seen));
      const shown = again.adminStore.event(events[2]!.attributes.id);
      expect(shown && seen(shown.stored.event)).toEqual(seen(events[2]!));
      for (const event of events) {
        const found = again.adminStore.searchEvents({ messageId: event.attributes['messageid'] as string }, { limit: 10 }).items;
        expect(found.map((item) => seen(item.event))).toEqual([seen(event)]);
      }
      // A repeat is still a duplicate.
      const repeat = callback('c2c-after-send-text.json', 'k1');
      expect(await again.append(repeat.event, receivedAt, repeat.origin)).toBe('duplicate');
    } finally {
      again.close();
    }
  });

  test('When events are stored whole (no way to make them again, or not made by a vendor), then their attributes and message are kept as before', async () => {
    const spool = openSpool({ path, sinks: ['a'] });
    const plain: Event = { attributes: { specversion: '1.0', id: 'p1', source: 's', type: 't', time: '2026-12-06T10:00:00.000Z', datacontenttype: 'application/json' }, data: '{}', message: '{"m":1}' };
    const { event, origin } = callback('c2c-after-send-text.json', 'k1');
    await spool.append(event, receivedAt, origin);
    await spool.append(plain, receivedAt);
    spool.close();
    expect(rows(path).map((row) => [row.head, row.message !== null, row.attributes.startsWith('{"specversion"')])).toEqual([[null, true, true], [null, true, true]]);
  });

  test('When the vendor of a stored event is no longer configured, then the event is still delivered, with its id, body and receive time, as im.gateway.underivable, and it is reported', async () => {
    const { event, origin } = callback('c2c-after-send-text.json', 'k1', { backfill: 'admin_getroammsg' });
    const first = openSpool({ path, sinks: ['a'], derive: createDeriver(vendors) });
    await first.append(event, receivedAt, origin);
    first.close();

    const reported: [number, string][] = [];
    const again = openSpool({ path, sinks: ['a'], derive: createDeriver([]), onUnderivable: (seq, vendor) => reported.push([seq, vendor]) });
    try {
      const [item] = again.due('a', receivedAt, 10);
      expect(item?.event.attributes).toEqual({
        specversion: '1.0', id: event.attributes.id, source: 'im-gateway/tencent', type: underivableType, time: '2026-12-06T10:00:00.000Z',
        datacontenttype: 'application/json', vendor: 'tencent', backfill: 'admin_getroammsg',
      });
      expect(item?.event.data).toBe(event.data);
      expect(reported).toEqual([[1, 'tencent']]);
    } finally {
      again.close();
    }
  });
});
