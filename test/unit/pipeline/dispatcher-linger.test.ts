import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { Event, EventOrigin } from '../../../src/events/event';
import { createMetrics } from '../../../src/metrics';
import { createDispatcher } from '../../../src/pipeline/dispatcher';
import { openSpool, type Spool } from '../../../src/pipeline/spool';
import { deliverySettingsSchema, type Sink } from '../../../src/sinks/sink';
import { until } from '../../helpers/wait';

const event = (id: string): Event => ({
  attributes: { specversion: '1.0', id, source: 's', type: 't', time: '2026-01-01T00:00:00.000Z', datacontenttype: 'application/json' },
  data: '{}',
});

describe('a lane with lingerMs while live events gather', () => {
  const start = 1_767_225_600_000;
  const lingerMs = 60_000;
  let dir: string;
  let spool: Spool;
  let clock: { now: number };
  let writes: string[][];
  let written: Event[];
  let reads: number;
  let dispatcher: ReturnType<typeof createDispatcher>;

  /** A dispatcher whose lane waits up to a minute (of the test's clock) for a batch of five. */
  function startDispatcher(idleMs: number): void {
    const sink: Sink = {
      name: 'a',
      async write(events) {
        writes.push(events.map((e) => e.attributes.id));
        written.push(...events);
      },
      async close() {},
    };
    dispatcher = createDispatcher({
      // Every read of the due events is counted.
      spool: Object.assign(Object.create(spool) as Spool, {
        due: (...args: Parameters<Spool['due']>) => {
          reads += 1;
          return spool.due(...args);
        },
      }),
      lanes: [{ ...deliverySettingsSchema.parse({ batchSize: 5, lingerMs }), sink }],
      metrics: createMetrics(new Registry(), ['a']),
      logger: pino({ level: 'silent' }),
      clock: () => clock.now,
      idleMs,
    });
    dispatcher.start();
  }

  /** Events made again from the log (the vendor's mapping run again): none while the newest are in memory. */
  let derived: number;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgw-dispatch-linger-'));
    derived = 0;
    // Events appended with an origin are stored as it; reading one back that memory no longer holds runs this.
    const derive = (_origin: EventOrigin, data: string) => {
      derived += 1;
      return { ...event(JSON.parse(data) as string), data };
    };
    spool = openSpool({ path: join(dir, 'spool.db'), sinks: ['a'], derive });
    clock = { now: start };
    writes = [];
    written = [];
    reads = 0;
  });
  afterEach(async () => {
    await dispatcher.stop();
    spool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('When events arrive one at a time, then the lane reads them once when the batch is full, not once per append', async () => {
    // Its sleeps end only by an append or the stop: what it reads is what appends made it read.
    startDispatcher(600_000);
    // The lane's first read finds nothing; then it sleeps until an append.
    await until(() => reads === 1);
    await spool.append(event('e0'), clock.now);
    await until(() => reads === 2);

    for (const id of ['e1', 'e2', 'e3']) await spool.append(event(id), clock.now);
    await spool.append(event('e4'), clock.now);
    await until(() => writes.length === 1);

    expect(writes).toEqual([['e0', 'e1', 'e2', 'e3', 'e4']]);
    // At start (nothing), after the first append, after the fifth and after the write (nothing left):
    // none for the three appends in between.
    await until(() => reads >= 4);
    expect(reads).toBe(4);
    expect(clock.now).toBe(start);
  });

  test('When fewer than a batch arrive, then they are written together once they waited the linger', async () => {
    startDispatcher(10);
    for (const id of ['e0', 'e1', 'e2']) await spool.append(event(id), clock.now);

    clock.now += lingerMs;
    await until(() => writes.length === 1);

    expect(writes).toEqual([['e0', 'e1', 'e2']]);
  });

  test('When the dispatcher stops while the lane lingers, then what gathered is written without waiting for the linger', async () => {
    startDispatcher(600_000);
    await until(() => reads === 1);
    await spool.append(event('e0'), clock.now);
    await until(() => reads === 2);

    // Bounded by the test's timeout: a lane that slept on would hold the stop for ten minutes.
    await dispatcher.stop();

    expect(writes).toEqual([['e0']]);
    expect(clock.now).toBe(start);
  });

  test('When the lane read events while it waited for its batch to fill, then it writes the objects the intake made: none is made again from the log', async () => {
    startDispatcher(600_000);
    await until(() => reads === 1);
    const appended = ['e0', 'e1', 'e2', 'e3', 'e4'].map((id) => ({ ...event(id), data: JSON.stringify(id) }));
    const origin: EventOrigin = { vendor: 'x', head: {} };
    await spool.append(appended[0]!, clock.now, origin);
    // The lane read e0 and lingers for a batch: the appends that follow are read with it once the batch is full.
    await until(() => reads === 2);
    for (const e of appended.slice(1)) await spool.append(e, clock.now, origin);
    await until(() => writes.length === 1);

    expect(writes).toEqual([['e0', 'e1', 'e2', 'e3', 'e4']]);
    expect(written.every((e, i) => e === appended[i])).toBe(true);
    expect(derived).toBe(0);
  });
});
