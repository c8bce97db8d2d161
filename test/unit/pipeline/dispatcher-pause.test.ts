import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { Event } from '../../../src/events/event';
import { createMetrics } from '../../../src/metrics';
import { createDispatcher } from '../../../src/pipeline/dispatcher';
import { openSpool } from '../../../src/pipeline/spool';
import { MemorySink } from '../../../src/sinks/memory-sink';
import { deliverySettingsSchema } from '../../../src/sinks/sink';
import { until } from '../../helpers/wait';

const event = (id: string): Event => ({
  attributes: { specversion: '1.0', id, source: 's', type: 't', time: '2026-01-01T00:00:00.000Z', datacontenttype: 'application/json' },
  data: '{}',
});

describe('dispatcher pause and resume', () => {
  test('When a lane is paused, then it takes nothing new while the others deliver; resumed, it delivers what waited', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'imgw-pause-'));
    const held = new MemorySink('held');
    const free = new MemorySink('free');
    const spool = openSpool({ path: join(dir, 'spool.db'), sinks: ['held', 'free'] });
    const clock = { now: 1_767_225_600_000, reads: 0 };
    const lane = (sink: MemorySink) => ({ ...deliverySettingsSchema.parse({ batchSize: 10, timeoutMs: 1000 }), sink });
    const dispatcher = createDispatcher({
      spool, lanes: [lane(held), lane(free)], metrics: createMetrics(new Registry(), ['held', 'free']), logger: pino({ level: 'silent' }),
      clock: () => (clock.reads++, clock.now), idleMs: 10,
    });
    try {
      const paused = dispatcher.pause('held');
      dispatcher.start();
      await spool.append(event('e1'), clock.now);
      await until(() => free.events.length === 1);
      const looked = clock.reads;
      await until(() => clock.reads > looked + 10);
      const heldWhilePaused = held.events.length;
      const again = dispatcher.pause('held');
      const unknown = dispatcher.pause('nowhere');
      const listed = dispatcher.paused();
      dispatcher.resume('held');
      await until(() => held.events.length === 1);

      expect([paused, again, unknown]).toEqual([true, false, false]);
      expect(listed).toEqual(['held']);
      expect(heldWhilePaused).toBe(0);
      expect(dispatcher.paused()).toEqual([]);
    } finally {
      await dispatcher.stop();
      spool.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
