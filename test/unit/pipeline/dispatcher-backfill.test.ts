import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { Event } from '../../../src/events/event';
import { createMetrics } from '../../../src/metrics';
import { backlogSlice, createDispatcher } from '../../../src/pipeline/dispatcher';
import { openSpool, type Spool } from '../../../src/pipeline/spool';
import { deliverySettingsSchema, type Sink } from '../../../src/sinks/sink';
import { until } from '../../helpers/wait';

const event = (id: string, backfill?: string): Event => ({
  attributes: { specversion: '1.0', id, source: 's', type: 't', time: '2026-01-01T00:00:00.000Z', datacontenttype: 'application/json', ...(backfill ? { backfill } : {}) },
  data: '{}',
});

describe('dispatcher while a backfill streams in', () => {
  const start = 1_767_225_600_000;
  const lingerMs = 60_000;
  let dir: string;
  let spool: Spool;
  let clock: { now: number };
  let writes: string[][];
  let dispatcher: ReturnType<typeof createDispatcher>;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgw-dispatch-backfill-'));
    spool = openSpool({ path: join(dir, 'spool.db'), sinks: ['a'] });
    clock = { now: start };
    writes = [];
    const sink: Sink = {
      name: 'a',
      async write(events) {
        writes.push(events.map((e) => e.attributes.id));
      },
      async close() {},
    };
    dispatcher = createDispatcher({
      spool,
      lanes: [{ ...deliverySettingsSchema.parse({ batchSize: 1000 }), sink }],
      metrics: createMetrics(new Registry(), ['a']),
      logger: pino({ level: 'silent' }),
      clock: () => clock.now,
      idleMs: 10,
      // Long enough that only the clock, moved by the test, ends the wait.
      backfillLingerMs: lingerMs,
    });
    dispatcher.start();
  });
  afterEach(async () => {
    await dispatcher.stop();
    spool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const delivered = () => writes.flat().length;

  test('When backfilled pages arrive one after another, then they are written together once they waited the linger, in order, once each', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `b${i}`);

    for (let page = 0; page < 5; page += 1) await spool.appendMany(ids.slice(page * 4, page * 4 + 4).map((id) => event(id, 'tencent/group_msg_get_simple')), clock.now);
    clock.now += lingerMs;
    await until(() => delivered() === 20 && spool.backlog().length === 0);

    expect(writes).toEqual([ids]);
  });

  test('When more backfilled events wait than a backlog slice, then they are read and written a slice at a time, in order, once each', async () => {
    await spool.appendMany(['first1', 'first2'].map((id) => event(id, 'tencent/group_msg_get_simple')), clock.now);
    clock.now += lingerMs;
    await until(() => delivered() === 2);
    const ids = Array.from({ length: 2 * backlogSlice + 50 }, (_, i) => `b${i}`);

    for (let page = 0; page < ids.length / 50; page += 1) await spool.appendMany(ids.slice(page * 50, page * 50 + 50).map((id) => event(id, 'tencent/group_msg_get_simple')), clock.now);
    clock.now += lingerMs;
    await until(() => delivered() === 2 + ids.length && spool.backlog().length === 0);

    expect(writes.map((write) => write.length)).toEqual([2, backlogSlice, backlogSlice, 50]);
    expect(writes.slice(1).flat()).toEqual(ids);
  });

  test('When a live event arrives behind waiting backfilled ones, then it is delivered with them within the linger, after them', async () => {
    await spool.appendMany([event('b1', 'tencent/group_msg_get_simple'), event('b2', 'tencent/group_msg_get_simple')], clock.now);

    await spool.append(event('live'), clock.now);
    clock.now += lingerMs;
    await until(() => delivered() === 3);

    expect(writes.flat()).toEqual(['b1', 'b2', 'live']);
  });

  test('When the clock stands still, then backfilled events are still delivered once the lane has rested the linger', async () => {
    await dispatcher.stop();
    dispatcher = createDispatcher({ spool, lanes: [{ ...deliverySettingsSchema.parse({ batchSize: 1000 }), sink: { name: 'a', write: async (events) => void writes.push(events.map((e) => e.attributes.id)), close: async () => {} } }], metrics: createMetrics(new Registry(), ['a']), logger: pino({ level: 'silent' }), clock: () => clock.now, idleMs: 10, backfillLingerMs: 50 });
    dispatcher.start();

    await spool.appendMany([event('b1', 'tencent/group_msg_get_simple')], clock.now);
    await until(() => delivered() === 1);

    expect(writes.flat()).toEqual(['b1']);
    expect(clock.now).toBe(start);
  });

  test('When only live events are due, then they are written at once, without waiting for the linger', async () => {
    await spool.append(event('live1'), clock.now);
    await spool.append(event('live2'), clock.now);

    await until(() => delivered() === 2);

    expect(writes.flat()).toEqual(['live1', 'live2']);
    expect(clock.now).toBe(start);
  });
});
