import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { Event } from '../../../src/events/event';
import { createMetrics } from '../../../src/metrics';
import { createDispatcher } from '../../../src/pipeline/dispatcher';
import { openSpool, type Spool } from '../../../src/pipeline/spool';
import { MemorySink } from '../../../src/sinks/memory-sink';
import type { Sink } from '../../../src/sinks/sink';
import { metricValue } from '../../helpers/app';

const event = (id: string): Event => ({
  attributes: { specversion: '1.0', id, source: 's', type: 't', time: '2026-01-01T00:00:00.000Z', datacontenttype: 'application/json' },
  data: '{}',
});
const lane = (sink: Sink, timeoutMs = 1000) => ({ sink, batchSize: 10, timeoutMs, retryInitialMs: 5, retryMaxMs: 20 });

describe('dispatcher', () => {
  let dir: string;
  let spool: Spool;
  let registry: Registry;
  let stop: () => Promise<void>;

  function start(sinks: Sink[], timeoutMs?: number) {
    spool = openSpool({ path: join(dir, 'spool.db'), sinks: sinks.map((s) => s.name) });
    registry = new Registry();
    const metrics = createMetrics(registry, sinks.map((s) => s.name));
    const dispatcher = createDispatcher({ spool, lanes: sinks.map((s) => lane(s, timeoutMs)), metrics, logger: pino({ level: 'silent' }), idleMs: 10 });
    dispatcher.start();
    stop = async () => {
      await dispatcher.stop();
      spool.close();
    };
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgw-dispatch-'));
  });
  afterEach(async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('When events are appended, then each sink receives each event once, in order', async () => {
    const a = new MemorySink('a');
    const b = new MemorySink('b');
    start([a, b]);

    for (const id of ['e1', 'e2', 'e3']) await spool.append(event(id), Date.now());
    await Promise.all([a.waitFor(3), b.waitFor(3)]);
    await until(() => spool.backlog().length === 0);

    expect(a.ids()).toEqual(['e1', 'e2', 'e3']);
    expect(b.ids()).toEqual(['e1', 'e2', 'e3']);
    expect(spool.backlog()).toEqual([]);
    expect(await metricValue(registry, 'imgw_sink_deliveries_total', { sink: 'a', outcome: 'ok' })).toBe(3);
  });

  test('When one sink fails several times, then the other is unaffected and the failing one gets every event once it recovers', async () => {
    const healthy = new MemorySink('healthy');
    const flaky = new MemorySink('flaky');
    flaky.failNext(4);
    start([healthy, flaky]);

    await spool.append(event('e1'), Date.now());
    await spool.append(event('e2'), Date.now());
    await healthy.waitFor(2);
    await flaky.waitFor(2);

    expect(healthy.ids()).toEqual(['e1', 'e2']);
    expect(flaky.ids().sort()).toEqual(['e1', 'e2']);
    expect(await metricValue(registry, 'imgw_sink_deliveries_total', { sink: 'flaky', outcome: 'error' })).toBeGreaterThanOrEqual(4);
    expect(await metricValue(registry, 'imgw_sink_deliveries_total', { sink: 'healthy', outcome: 'error' })).toBe(0);
  });

  test('When a sink hangs and ignores its signal, then the write times out and is retried', async () => {
    let calls = 0;
    const received: string[] = [];
    const hanging: Sink = {
      name: 'hanging',
      write: (batch) => {
        calls += 1;
        if (calls === 1) return new Promise<void>(() => {});
        received.push(...batch.map((e) => e.attributes.id));
        return Promise.resolve();
      },
      close: async () => {},
    };
    start([hanging], 50);

    await spool.append(event('e1'), Date.now());
    await until(() => received.length === 1);

    expect(received).toEqual(['e1']);
    expect(await metricValue(registry, 'imgw_sink_deliveries_total', { sink: 'hanging', outcome: 'timeout' })).toBe(1);
  });

  test('When the process stopped before delivery, then the next start delivers what was pending', async () => {
    const first = new MemorySink('s');
    first.failNext(1000);
    start([first]);
    await spool.append(event('kept'), Date.now());
    await stop();

    const second = new MemorySink('s');
    start([second]);
    await second.waitFor(1);

    expect(first.ids()).toEqual([]);
    expect(second.ids()).toEqual(['kept']);
  });
});

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
