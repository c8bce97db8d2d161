import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event } from '../../../src/events/event';
import { openSpool } from '../../../src/pipeline/spool';
import { spoolSchemaVersion } from '../../../src/pipeline/spool/schema';

// test/fixtures/spool/schema-3.db was written by the schema-3 release's own spool module
// (scripts/make-spool-fixture.mjs): sinks a (every event) and b (odd events), ten events.
const fixture = join(__dirname, '../../fixtures/spool/schema-3.db');
const t0 = Date.UTC(2026, 11, 1);
const routes = [
  { name: 'a', accepts: () => true },
  { name: 'b', accepts: (event: Event) => Number(event.attributes.id.split('-')[1]) % 2 === 1 },
];
const ids = (items: readonly { event: Event }[]) => items.map((item) => item.event.attributes.id);

describe('spool upgrade from schema 3', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgw-upgrade-'));
    copyFileSync(fixture, join(dir, 'spool.db'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('When a schema-3 spool is opened, then pending events, the retry with its errors, dead letters and the quarantine are carried over', () => {
    const spool = openSpool({ path: join(dir, 'spool.db'), sinks: routes });
    try {
      expect(spool.pragma('user_version')).toBe(spoolSchemaVersion);
      expect(spool.backlog()).toEqual([
        { sink: 'a', pending: 5, oldestReceivedAt: t0 + 5000 },
        { sink: 'b', pending: 2, oldestReceivedAt: t0 + 7000 },
      ]);
      // The retry of 5 holds back the later events of a until it is due, then they come in order.
      expect(ids(spool.due('a', t0 + 119_999, 10))).toEqual([]);
      expect(spool.nextDueAt('a')).toBe(t0 + 120_000);
      const due = spool.due('a', t0 + 120_000, 10);
      expect(ids(due)).toEqual(['fixture-5', 'fixture-7', 'fixture-8', 'fixture-9', 'fixture-10']);
      expect(due[0]?.attempts).toBe(2);
      expect(spool.admin.exceptions('retry', 'a')).toEqual([expect.objectContaining({ seq: 5, attempts: 2, first_error: 'first failure', last_error: 'second failure' })]);
      expect(ids(spool.due('b', t0 + 120_000, 10))).toEqual(['fixture-7', 'fixture-9']);
      expect(spool.deadLetterCounts()).toEqual([{ sink: 'a', count: 1 }, { sink: 'b', count: 1 }]);
      expect(spool.admin.deadLetters({}, 10)).toEqual([
        expect.objectContaining({ sink: 'a', seq: 6, id: 'fixture-6', lastError: 'refused for good' }),
        expect.objectContaining({ sink: 'b', seq: 5, id: 'fixture-5', lastError: 'too large' }),
      ]);
      expect(spool.admin.quarantineRows()).toEqual([expect.objectContaining({ vendor: 'tencent', reason: 'invalid_payload', body: Buffer.from('{"MsgBody":{}}') })]);
      expect(spool.admin.stats().events).toBe(10);
    } finally {
      spool.close();
    }
  });

  test('When an upgraded spool receives a repeat of a stored event, then it is a duplicate; new events follow the old ones', async () => {
    const spool = openSpool({ path: join(dir, 'spool.db'), sinks: routes });
    try {
      const repeat = { attributes: { specversion: '1.0', id: 'fixture-3', source: 's', type: 't', time: '2026-12-01T00:00:00.000Z', datacontenttype: 'application/json' }, data: '{}' } as const;

      expect(await spool.append(repeat, t0 + 200_000)).toBe('duplicate');
      expect(await spool.append({ ...repeat, attributes: { ...repeat.attributes, id: 'fixture-11' } }, t0 + 200_000)).toBe('accepted');
      expect(ids(spool.due('b', t0 + 200_000, 10))).toEqual(['fixture-7', 'fixture-9', 'fixture-11']);
    } finally {
      spool.close();
    }
  });
});
