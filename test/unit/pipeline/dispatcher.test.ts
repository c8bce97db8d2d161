import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { Event } from '../../../src/events/event';
import { messageDataSchema } from '../../../src/events/message';
import { createMetrics } from '../../../src/metrics';
import { createDispatcher, splitBatches, type Lane } from '../../../src/pipeline/dispatcher';
import { readSpool } from '../../../src/pipeline/pressure';
import { openSpool, type Spool } from '../../../src/pipeline/spool';
import { MemorySink } from '../../../src/sinks/memory-sink';
import { BatchError, deliverySettingsSchema, PermanentSinkError, RetryLaterError, writeEach, type DeliverySettings, type Sink } from '../../../src/sinks/sink';
import { metricValue } from '../../helpers/app';
import { nextTurn, until } from '../../helpers/wait';

const event = (id: string): Event => ({
  attributes: { specversion: '1.0', id, source: 's', type: 't', time: '2026-01-01T00:00:00.000Z', datacontenttype: 'application/json' },
  data: '{}',
});
/**
 * The one clock of a test's dispatcher. It stands still unless the test moves it (`step` moves it a
 * second per look, so retries come due); `reads` counts how often the dispatcher looked at it.
 */
function testClock() {
  const clock = { now: 1_767_225_600_000, reads: 0, read: () => (clock.reads++, clock.now), step: () => void (clock.now += 1000) };
  return clock;
}
/** Resolves once the dispatcher has looked at the clock `looks` more times (it has been through its loop and decided). */
const afterLooks = (clock: ReturnType<typeof testClock>, looks = 5) => {
  const from = clock.reads;
  return until(() => clock.reads >= from + looks);
};

/** A lane with the real delivery defaults (the config schema), faster retries and the given settings. */
const lane = (sink: Sink, timeoutMs = 1000, extra: Partial<DeliverySettings> = {}): Lane => ({
  ...deliverySettingsSchema.parse({ batchSize: 10, timeoutMs, retryInitialMs: 5, retryMaxMs: 20, ...extra }),
  sink,
});

describe('dispatcher', () => {
  let dir: string;
  let spool: Spool;
  let registry: Registry;
  let stop: () => Promise<void>;
  let clock: ReturnType<typeof testClock>;

  function start(sinks: Sink[], timeoutMs?: number) {
    spool = openSpool({ path: join(dir, 'spool.db'), sinks: sinks.map((s) => s.name) });
    registry = new Registry();
    const metrics = createMetrics(registry, sinks.map((s) => s.name));
    const dispatcher = createDispatcher({ spool, lanes: sinks.map((s) => lane(s, timeoutMs)), metrics, logger: pino({ level: 'silent' }), clock: clock.read, idleMs: 10 });
    dispatcher.start();
    stop = async () => {
      await dispatcher.stop();
      spool.close();
    };
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgw-dispatch-'));
    clock = testClock();
  });
  afterEach(async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('When events are appended, then each sink receives each event once, in order', async () => {
    const a = new MemorySink('a');
    const b = new MemorySink('b');
    start([a, b]);

    for (const id of ['e1', 'e2', 'e3']) await spool.append(event(id), clock.now);
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

    await spool.append(event('e1'), clock.now);
    await spool.append(event('e2'), clock.now);
    await healthy.waitFor(2);
    await until(() => flaky.ids().length === 2, { step: clock.step });

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

    await spool.append(event('e1'), clock.now);
    await until(() => received.length === 1, { step: clock.step });

    expect(received).toEqual(['e1']);
    expect(await metricValue(registry, 'imgw_sink_deliveries_total', { sink: 'hanging', outcome: 'timeout' })).toBe(1);
  });

  test('When the process stopped before delivery, then the next start delivers what was pending', async () => {
    const first = new MemorySink('s');
    first.failNext(1000);
    start([first]);
    await spool.append(event('kept'), clock.now);
    await stop();

    const second = new MemorySink('s');
    start([second]);
    await until(() => second.ids().length === 1, { step: clock.step });

    expect(first.ids()).toEqual([]);
    expect(second.ids()).toEqual(['kept']);
  });
});

describe('dispatcher › giving up', () => {
  let dir: string;
  let spool: Spool;
  let registry: Registry;
  let dispatcher: ReturnType<typeof createDispatcher>;
  let clock: ReturnType<typeof testClock>;
  const failing = (error: () => Error): Sink & { calls: number } => {
    const sink = { name: 'target', calls: 0, write: async () => { sink.calls += 1; throw error(); }, close: async () => {} };
    return sink;
  };
  function start(target: Sink, extra: Partial<DeliverySettings>) {
    spool = openSpool({ path: join(dir, 'spool.db'), sinks: [target.name] });
    registry = new Registry();
    const metrics = createMetrics(registry, [target.name]);
    metrics.watchSpool({ snapshot: () => readSpool(spool) });
    dispatcher = createDispatcher({ spool, lanes: [lane(target, 1000, extra)], metrics, logger: pino({ level: 'silent' }), clock: clock.read, idleMs: 10 });
    dispatcher.start();
  }
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgw-dlq-'));
    clock = testClock();
  });
  afterEach(async () => {
    await dispatcher.stop();
    spool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('When the sink says the failure is permanent, then the event goes to dead letters after one attempt', async () => {
    const target = failing(() => new PermanentSinkError('HTTP 400'));
    start(target, {});

    await spool.append(event('bad'), clock.now);
    await until(() => spool.deadLetterCounts().length > 0);

    expect(target.calls).toBe(1);
    expect((({ attempts, first_error, last_error }) => ({ attempts, first_error, last_error }))(spool.admin.exceptions('dead')[0]!)).toEqual({ attempts: 1, first_error: 'HTTP 400', last_error: 'HTTP 400' });
    expect(spool.backlog()).toEqual([]);
    expect(await metricValue(registry, 'imgw_dead_letter_events', { sink: 'target' })).toBe(1);
  });

  test('When maxAttempts is reached, then the event goes to dead letters with its attempt count', async () => {
    const target = failing(() => new Error('connection refused'));
    start(target, { maxAttempts: 3 });

    await spool.append(event('e'), clock.now);
    await until(() => spool.deadLetterCounts().length > 0, { step: clock.step });

    expect(target.calls).toBe(3);
    expect(spool.admin.exceptions('dead')[0]?.attempts).toBe(3);
  });

  test('When the event is older than maxAgeMs, then the next failure dead-letters it', async () => {
    const target = failing(() => new Error('down'));
    start(target, { maxAgeMs: 1000 });

    await spool.append(event('old'), clock.now - 5000);
    await until(() => spool.deadLetterCounts().length > 0);

    expect(target.calls).toBe(1);
  });

  test('When the sink asks to retry later, then the next attempt waits exactly that long', async () => {
    const target = failing(() => new RetryLaterError('HTTP 429', 60_000));
    start(target, {});

    await spool.append(event('e'), clock.now);
    await until(() => target.calls === 1 && spool.nextDueAt('target') !== undefined && spool.nextDueAt('target')! > clock.now);
    const wait = spool.nextDueAt('target')! - clock.now;
    clock.now += 59_999;
    await afterLooks(clock);
    const callsBefore = target.calls;
    clock.now += 1;
    await until(() => target.calls === 2);

    expect(wait).toBe(60_000);
    expect(callsBefore).toBe(1);
  });

  test('When the sink keeps asking to wait (a quota), then the waits do not use up maxAttempts and the event is delivered once it may', async () => {
    let calls = 0;
    const target: Sink = {
      name: 'target',
      write: async () => {
        calls += 1;
        if (calls <= 4) throw new RetryLaterError('quota window full', 1);
      },
      close: async () => undefined,
    };
    start(target, { maxAttempts: 2 });

    await spool.append(event('e'), clock.now);
    await until(() => spool.nextDueAt('target') === undefined, { step: clock.step });

    expect(calls).toBe(5);
    expect(spool.deadLetterCounts()).toEqual([]);
  });

  test('When the sink asks to retry after a short wait (a quota), then the retry comes then, not after the longer exponential backoff', async () => {
    const target = failing(() => new RetryLaterError('quota window full', 5_000));
    start(target, { retryInitialMs: 600_000, retryMaxMs: 600_000 });

    await spool.append(event('e'), clock.now);
    await until(() => target.calls === 1 && (spool.admin.exceptions('retry')[0]?.last_error ?? null) !== null);
    const wait = spool.nextDueAt('target')! - clock.now;

    expect(wait).toBe(5_000);
  });
});

describe('splitBatches', () => {
  const item = (id: string, bytes: number) => ({ seq: 0, attempts: 0, receivedAt: 0, event: { ...event(id), data: JSON.stringify('x'.repeat(bytes)) } });

  test('When events exceed batchSize or maxBatchBytes, then they are cut into several batches, a large event alone', () => {
    const due = [item('a', 100), item('b', 100), item('c', 100), item('big', 5000), item('d', 100)];

    const sizes = splitBatches(due, { batchSize: 2, maxBatchBytes: 2000 }).map((batch) => batch.map((i) => i.event.attributes.id));

    expect(sizes).toEqual([['a', 'b'], ['c'], ['big'], ['d']]);
  });
});

describe('dispatcher › concurrency', () => {
  test('When concurrency is 3, then up to three batches are written at the same time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'imgw-conc-'));
    const spool = openSpool({ path: join(dir, 'spool.db'), sinks: ['slow'] });
    let inFlight = 0;
    let most = 0;
    let delivered = 0;
    const slow: Sink = {
      name: 'slow',
      write: async (batch) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        // Each write is held until three are in flight (a dispatcher that writes one at a time never gets there).
        await until(() => most === 3, 2000).catch(() => undefined);
        inFlight -= 1;
        delivered += batch.length;
      },
      close: async () => {},
    };
    const clock = testClock();
    for (let i = 0; i < 9; i++) await spool.append(event(`e${i}`), clock.now);
    const dispatcher = createDispatcher({ spool, lanes: [lane(slow, 5000, { batchSize: 3, concurrency: 3 })], metrics: createMetrics(new Registry()), logger: pino({ level: 'silent' }), clock: clock.read, idleMs: 10 });

    dispatcher.start();
    await until(() => delivered === 9);
    await dispatcher.stop();
    spool.close();
    rmSync(dir, { recursive: true, force: true });

    expect(most).toBe(3);
  });
});

describe('dispatcher › circuit breaker', () => {
  test('When a sink fails threshold times, then writes pause for openMs, one event probes, and success closes the circuit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'imgw-circuit-'));
    const spool = openSpool({ path: join(dir, 'spool.db'), sinks: ['flaky'] });
    const registry = new Registry();
    const metrics = createMetrics(registry, ['flaky']);
    const batches: number[] = [];
    let failing = true;
    const flaky: Sink = {
      name: 'flaky',
      write: async (batch) => {
        batches.push(batch.length);
        if (failing) throw new Error('down');
      },
      close: async () => {},
    };
    const clock = testClock();
    const dispatcher = createDispatcher({
      spool,
      // Retries are due at once (full jitter under a 1 ms ceiling is 0): only the open circuit holds writes back.
      lanes: [lane(flaky, 1000, { retryInitialMs: 1, retryMaxMs: 1, circuitBreaker: { failureThreshold: 3, openMs: 300 } })],
      metrics,
      logger: pino({ level: 'silent' }),
      clock: clock.read,
      idleMs: 10,
    });
    metrics.watchCircuits(() => dispatcher.openCircuits());
    for (let i = 0; i < 5; i++) await spool.append(event(`c${i}`), clock.now);

    dispatcher.start();
    await until(() => batches.length === 3);
    clock.now += 299;
    await afterLooks(clock);
    const duringOpen = batches.length;
    const openGauge = await metricValue(registry, 'imgw_sink_circuit_open', { sink: 'flaky' });
    const openList = dispatcher.openCircuits();
    failing = false;
    clock.now += 1;
    await until(() => spool.backlog().length === 0);
    await dispatcher.stop();
    spool.close();
    rmSync(dir, { recursive: true, force: true });

    expect(duringOpen).toBe(3);
    expect(openGauge).toBe(1);
    expect(openList).toEqual([{ sink: 'flaky', required: true }]);
    expect(batches.slice(0, 3)).toEqual([5, 5, 5]);
    expect(batches[3]).toBe(1);
    expect(batches.slice(4)).toEqual([4]);
    expect(await metricValue(registry, 'imgw_sink_circuit_open', { sink: 'flaky' })).toBe(0);
  });
});

describe('dispatcher › per-event outcomes', () => {
  let dir: string;
  let spool: Spool;
  let registry: Registry;
  let dispatcher: ReturnType<typeof createDispatcher>;
  let clock: ReturnType<typeof testClock>;
  function start(target: Sink, extra: Partial<DeliverySettings> = {}) {
    spool = openSpool({ path: join(dir, 'spool.db'), sinks: [target.name] });
    registry = new Registry();
    const metrics = createMetrics(registry, [target.name]);
    dispatcher = createDispatcher({ spool, lanes: [lane(target, 1000, extra)], metrics, logger: pino({ level: 'silent' }), clock: clock.read, idleMs: 10 });
    metrics.watchCircuits(() => dispatcher.openCircuits());
  }
  const deadLetters = () => spool.admin.exceptions('dead').map((row) => ({ id: row.id, error: row.last_error }));
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgw-outcomes-'));
    clock = testClock();
  });
  afterEach(async () => {
    await dispatcher.stop();
    spool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('When one event of a batch is refused permanently, then only it is dead-lettered, the rest are delivered once and later events flow', async () => {
    const sink = new MemorySink('target');
    sink.refuseWhen((e) => (e.attributes.id === 'poison' ? new PermanentSinkError('value out of range') : undefined));
    start(sink, { circuitBreaker: { failureThreshold: 1, openMs: 60_000 } });
    for (const id of ['a', 'poison', 'b']) await spool.append(event(id), clock.now);

    dispatcher.start();
    await until(() => spool.backlog().length === 0);
    await spool.append(event('c'), clock.now);
    await sink.waitFor(3);
    await until(() => spool.backlog().length === 0);

    expect(sink.ids()).toEqual(['a', 'b', 'c']);
    expect(deadLetters()).toEqual([{ id: 'poison', error: 'value out of range' }]);
    expect(dispatcher.openCircuits()).toEqual([]);
    expect(await metricValue(registry, 'imgw_sink_deliveries_total', { sink: 'target', outcome: 'ok' })).toBe(3);
    expect(await metricValue(registry, 'imgw_sink_deliveries_total', { sink: 'target', outcome: 'error' })).toBe(1);
  });

  test('When one event of a batch fails transiently, then only that event is written again and the others are not repeated', async () => {
    const written: string[][] = [];
    let failOnce = true;
    const target: Sink = {
      name: 'target',
      async write(batch) {
        written.push(batch.map((e) => e.attributes.id));
        const index = batch.findIndex((e) => e.attributes.id === 'flaky');
        if (index >= 0 && failOnce) {
          failOnce = false;
          throw new BatchError(new Map([[index, new Error('connection reset')]]));
        }
      },
      close: async () => {},
    };
    start(target);
    for (const id of ['a', 'flaky', 'b']) await spool.append(event(id), clock.now);

    dispatcher.start();
    await until(() => spool.backlog().length === 0, { step: clock.step });

    expect(written).toEqual([['a', 'flaky', 'b'], ['flaky']]);
    expect(deadLetters()).toEqual([]);
  });

  test('When a failed event asks to retry later, then it waits that long while its batch neighbours are delivered', async () => {
    const sink = new MemorySink('target');
    sink.refuseWhen((e) => (e.attributes.id === 'slow' ? new RetryLaterError('HTTP 429', 60_000) : undefined));
    start(sink);
    for (const id of ['a', 'slow', 'b']) await spool.append(event(id), clock.now);

    dispatcher.start();
    await sink.waitFor(2);
    await until(() => spool.nextDueAt('target') === clock.now + 60_000);

    expect(sink.ids()).toEqual(['a', 'b']);
    expect(spool.backlog()).toEqual([expect.objectContaining({ sink: 'target', pending: 1 })]);
  });

  test('When a sink rejects a batch with a plain error, then no event of it counts as delivered', async () => {
    const calls: string[][] = [];
    const target: Sink = {
      name: 'target',
      async write(batch) {
        calls.push(batch.map((e) => e.attributes.id));
        if (calls.length === 1) throw new Error('down');
      },
      close: async () => {},
    };
    start(target);
    for (const id of ['a', 'b']) await spool.append(event(id), clock.now);

    dispatcher.start();
    await until(() => spool.backlog().length === 0, { step: clock.step });

    expect(calls).toEqual([['a', 'b'], ['a', 'b']]);
  });

  test('When big events are split into several batches with concurrency 1, then writes never overlap and arrive in order; a failing batch holds back the later ones', async () => {
    const big = (id: string): Event => ({ ...event(id), data: JSON.stringify('x'.repeat(1500)) });
    const written: string[][] = [];
    let inFlight = 0;
    let most = 0;
    let failures = 2;
    const target: Sink = {
      name: 'target',
      async write(batch) {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await nextTurn();
        inFlight -= 1;
        if (batch[0]!.attributes.id === 'e0' && failures-- > 0) throw new Error('down');
        written.push(batch.map((e) => e.attributes.id));
      },
      close: async () => {},
    };
    start(target, { maxBatchBytes: 2048, concurrency: 1 });
    for (let i = 0; i < 6; i++) await spool.append(big(`e${i}`), clock.now);

    dispatcher.start();
    await until(() => spool.backlog().length === 0, { step: clock.step });

    expect(most).toBe(1);
    expect(written.flat()).toEqual(['e0', 'e1', 'e2', 'e3', 'e4', 'e5']);
    expect(written.every((batch) => batch.length === 1)).toBe(true);
  });
});

describe('writeEach', () => {
  test('When some per-event writes fail, then it rejects with a BatchError naming exactly those indices', async () => {
    const batch = ['a', 'b', 'c', 'd'].map(event);

    const outcome = await writeEach(batch, async (e) => {
      if (e.attributes.id === 'b') throw new PermanentSinkError('bad b');
      if (e.attributes.id === 'd') throw 'not an Error';
    }).catch((error: unknown) => error);

    expect(outcome).toBeInstanceOf(BatchError);
    const failures = (outcome as BatchError).failures;
    expect([...failures.keys()]).toEqual([1, 3]);
    expect(failures.get(1)).toBeInstanceOf(PermanentSinkError);
    expect(failures.get(3)?.message).toBe('not an Error');
  });

  test('When every write succeeds, then it resolves', async () => {
    await expect(writeEach(['a', 'b'].map(event), async () => undefined)).resolves.toBeUndefined();
  });
});

describe('dispatcher › payload', () => {
  test('When a sink takes payload message, then it receives the neutral message as data, and an event without one goes to its dead letters', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'imgw-payload-'));
    const spool = openSpool({ path: join(dir, 'spool.db'), sinks: ['messages', 'events'] });
    const clock = testClock();
    const messages = new MemorySink('messages');
    const events = new MemorySink('events');
    const dispatcher = createDispatcher({
      spool,
      lanes: [lane(messages, 1000, { payload: 'message' }), lane(events)],
      metrics: createMetrics(new Registry(), ['messages', 'events']),
      logger: pino({ level: 'silent' }),
      clock: clock.read,
      idleMs: 10,
    });
    const message = '{"version":1,"vendor":"tencent","from":"alice"}';
    await spool.append({ ...event('with'), message }, clock.now);
    await spool.append(event('without'), clock.now);

    dispatcher.start();
    await Promise.all([messages.waitFor(1), events.waitFor(2)]);
    await until(() => spool.backlog().length === 0);
    await dispatcher.stop();
    const dead = spool.admin.exceptions('dead').map((row) => ({ sink: row.sink, last_error: row.last_error }));
    spool.close();
    rmSync(dir, { recursive: true, force: true });

    expect(messages.events).toEqual([{ attributes: { ...event('with').attributes, dataschema: messageDataSchema }, data: message, message }]);
    expect(events.events.map((e) => [e.attributes.id, e.data])).toEqual([['with', '{}'], ['without', '{}']]);
    expect(dead).toEqual([{ sink: 'messages', last_error: 'the event carries no neutral message (payload: message)' }]);
  });
});
