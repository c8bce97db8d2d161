import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { CloudEvent } from 'cloudevents';
import { eventJsonBytes, eventToJson, type Event } from '../../../src/events/event';
import { openSpool } from '../../../src/pipeline/spool';

const tricky = (id: string): Event => ({
  attributes: {
    specversion: '1.0', id, source: 'tencent-im/1400000001', type: 'com.tencent.im.C2C.CallbackAfterSendMsg', time: '2026-01-01T00:00:00.000Z',
    datacontenttype: 'application/json', fromaccount: 'ä "quoted" \\ back\u2028line 😀', toaccount: '</script>\n', vendor: 'tencent',
  },
  data: '{"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hi 😀"}}],"MsgSeq":18446744073709551615}',
  message: '{"text":"hi"}',
});

describe('CloudEvent text of spooled events', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgw-stored-json-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('When a stored event is read for delivery, fresh or redriven, then its CloudEvent text is byte for byte what was accepted', async () => {
    const spool = openSpool({ path: join(dir, 'spool.db'), sinks: ['a'] });
    try {
      const events = [tricky('e1'), tricky('e2')];
      for (const [i, event] of events.entries()) await spool.append(event, 1000 + i);
      const fresh = spool.due('a', 2000, 10);
      await spool.deadLetter('a', [1], 'HTTP 400', 2000);
      await spool.delivered('a', [2]);
      await spool.adminStore.redriveDeadLetters({ sink: 'a' }, 3000);
      const redriven = spool.due('a', 3000, 10);

      expect(fresh.map((item) => eventToJson(item.event))).toEqual(events.map(eventToJson));
      expect(redriven.map((item) => eventToJson(item.event))).toEqual([eventToJson(tricky('e1'))]);
      const read = new CloudEvent(JSON.parse(eventToJson(redriven[0]?.event as Event)) as Record<string, unknown>, true);
      expect(read.fromaccount).toBe(tricky('e1').attributes.fromaccount);
      expect(read.data).toEqual(JSON.parse(tricky('e1').data));
    } finally {
      spool.close();
    }
  });

  test('When a stored event is read for delivery, then its attributes go out as stored, not serialised again', async () => {
    const path = join(dir, 'spool.db');
    const first = openSpool({ path, sinks: ['a'] });
    await first.append(tricky('e1'), 1000);
    first.close();
    // Attributes as another writer could have stored them (spaces after the separators): valid JSON, not JSON.stringify's.
    const stored = '{"specversion": "1.0", "id": "e1", "source": "s", "type": "t", "time": "2026-01-01T00:00:00.000Z", "datacontenttype": "application/json"}';
    const other = new DatabaseSync(path);
    other.prepare('UPDATE log SET attributes = ? WHERE seq = 1').run(stored);
    other.close();
    const spool = openSpool({ path, sinks: ['a'] });
    try {

      const [item] = spool.due('a', 2000, 10);

      expect(eventToJson(item?.event as Event)).toBe(`${stored.slice(0, -1)},"data":${tricky('e1').data}}`);
      // A copy (a replay's, a message payload's) is serialised from its attributes.
      expect(eventToJson({ ...(item?.event as Event), replayed: true })).toBe(`${JSON.stringify(JSON.parse(stored)).slice(0, -1)},"data":${tricky('e1').data}}`);
    } finally {
      spool.close();
    }
  });
});

describe('eventJsonBytes', () => {
  test('When an event is measured, fresh, read back as stored or copied, then the count is the UTF-8 length of its CloudEvent text', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'imgw-json-bytes-'));
    const spool = openSpool({ path: join(dir, 'spool.db'), sinks: ['a'] });
    try {
      await spool.append(tricky('e1'), 1000);
      const [item] = spool.due('a', 2000, 10);
      const plain: Event = { attributes: { ...tricky('e2').attributes }, data: '{}' };
      const events = [tricky('e1'), item?.event as Event, { ...(item?.event as Event), replayed: true as const }, plain];

      expect(events.map(eventJsonBytes)).toEqual(events.map((event) => Buffer.byteLength(eventToJson(event))));
      // Not a count of UTF-16 code units: the attributes and the body carry characters of 2 to 4 bytes.
      expect(eventJsonBytes(tricky('e1'))).toBeGreaterThan(eventToJson(tricky('e1')).length);
    } finally {
      spool.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('When a lane measures an event and its sinks write it, then its attributes are serialised once for all of them, to the same text', () => {
    let serialised = 0;
    const event = tricky('e3');
    const attributes = { ...event.attributes };
    Object.defineProperty(attributes, 'vendor', { enumerable: true, get: () => ((serialised += 1), 'tencent') });
    const measured: Event = { ...event, attributes };

    const bytes = [eventJsonBytes(measured), eventJsonBytes(measured)];
    const texts = [eventToJson(measured), eventToJson(measured)];

    expect(serialised).toBe(1);
    expect(texts).toEqual([eventToJson(event), eventToJson(event)]);
    expect(bytes).toEqual([Buffer.byteLength(eventToJson(event)), Buffer.byteLength(eventToJson(event))]);
  });
});
