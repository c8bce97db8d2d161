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
import { turnCounter, until } from '../../helpers/wait';

const event = (id: string): Event => ({
  attributes: { specversion: '1.0', id, source: 's', type: 't', time: '2026-01-01T00:00:00.000Z', datacontenttype: 'application/json' },
  data: '{}',
});

describe('dispatcher with a backlog of retries', () => {
  let dir: string;
  let spool: Spool;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgw-backlog-'));
    spool = openSpool({ path: join(dir, 'spool.db'), sinks: ['a'] });
  });
  afterEach(() => {
    spool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('When a thousand retries come due for a sink taking batches of a thousand, then they are written in small slices with turns of the event loop between them', async () => {
    const now = 1_767_225_600_000;
    for (let n = 1; n <= 1000; n += 1) await spool.append(event(`e${n}`), now);
    await spool.failed('a', Array.from({ length: 1000 }, (_, i) => i + 1), 'down', now, now);
    const writes: { size: number; turn: number }[] = [];
    const turns = turnCounter();
    const sink: Sink = {
      name: 'a',
      async write(events) {
        writes.push({ size: events.length, turn: turns.turns });
      },
      async close() {},
    };
    const dispatcher = createDispatcher({
      spool,
      lanes: [{ ...deliverySettingsSchema.parse({ batchSize: 1000, maxBatchBytes: 10_000_000 }), sink }],
      metrics: createMetrics(new Registry(), ['a']),
      logger: pino({ level: 'silent' }),
      clock: () => now,
      idleMs: 10,
    });
    dispatcher.start();
    try {

      await until(() => writes.reduce((sum, w) => sum + w.size, 0) >= 1000);

      expect(writes.reduce((sum, w) => sum + w.size, 0)).toBe(1000);
      expect(Math.max(...writes.map((w) => w.size))).toBeLessThanOrEqual(backlogSlice);
      for (let i = 1; i < writes.length; i += 1) expect(writes[i]!.turn).toBeGreaterThan(writes[i - 1]!.turn);
    } finally {
      turns.stop();
      await dispatcher.stop();
    }
  });

  test('When callbacks are slowed (the ingest guard raised its factor), then a lane with a backlog rests longer between slices than one beside it at the usual pace', async () => {
    const now = 1_767_225_600_000;
    const other = openSpool({ path: join(dir, 'other.db'), sinks: ['a'] });
    const backlog = async (target: Spool) => {
      for (let n = 1; n <= 5 * backlogSlice; n += 1) await target.append(event(`e${n}`), now);
      await target.failed('a', Array.from({ length: 5 * backlogSlice }, (_, i) => i + 1), 'down', now, now);
    };
    await backlog(spool);
    await backlog(other);
    const recording = (writes: number[]): Sink => ({
      name: 'a',
      async write(events) {
        writes.push(events.length);
      },
      async close() {},
    });
    const yielding: number[] = [];
    const usual: number[] = [];
    const lanes = (sink: Sink) => [{ ...deliverySettingsSchema.parse({ batchSize: 1000, maxBatchBytes: 10_000_000 }), sink }];
    const common = { metrics: createMetrics(new Registry(), ['a']), logger: pino({ level: 'silent' }), clock: () => now, idleMs: 600_000 };
    // The factor makes every rest after a slice as long as the idle cap (ten minutes).
    const slowed = createDispatcher({ ...common, spool, lanes: lanes(recording(yielding)), yieldFactor: () => 1e12 });
    const calm = createDispatcher({ ...common, spool: other, lanes: lanes(recording(usual)), yieldFactor: () => 1 });
    slowed.start();
    calm.start();
    try {

      await until(() => usual.reduce((sum, n) => sum + n, 0) === 5 * backlogSlice);

      expect(usual.length).toBeGreaterThanOrEqual(5);
      expect(yielding).toEqual([backlogSlice]);
    } finally {
      await Promise.all([slowed.stop(), calm.stop()]);
      other.close();
    }
  });
});
