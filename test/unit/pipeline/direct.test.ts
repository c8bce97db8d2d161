import pino from 'pino';
import { Registry } from 'prom-client';
import type { Event } from '../../../src/events/event';
import { createMetrics } from '../../../src/metrics';
import { PipelineUnavailable } from '../../../src/pipeline/accept';
import { createDirectDelivery } from '../../../src/pipeline/direct';
import { BatchError, deliverySettingsSchema, type Sink } from '../../../src/sinks/sink';
import { until } from '../../helpers/wait';

const event = (id: string): Event => ({
  attributes: { specversion: '1.0', id, source: 's', type: 't', time: '2026-01-01T00:00:00.000Z', datacontenttype: 'application/json' },
  data: '{}',
});

/** A sink whose writes stay open until the test releases them, recording every batch. */
function gatedSink(name = 'gated') {
  const batches: string[][] = [];
  const gates: (() => void)[] = [];
  let fail: ((batch: readonly Event[]) => Error | undefined) | undefined;
  const sink: Sink = {
    name,
    write(batch) {
      batches.push(batch.map((e) => e.attributes.id));
      return new Promise<void>((resolve, reject) =>
        gates.push(() => {
          const error = fail?.(batch);
          if (error) reject(error);
          else resolve();
        }),
      );
    },
    close: async () => undefined,
  };
  return {
    sink,
    batches,
    releaseAll: () => gates.splice(0).forEach((open) => open()),
    failWith: (f: typeof fail) => (fail = f),
    get open() {
      return gates.length;
    },
  };
}

function direct(sink: Sink, settings: Record<string, unknown> = {}, clock = { now: 0 }) {
  const lane = { ...deliverySettingsSchema.parse({ timeoutMs: 500, ...settings }), sink, accepts: () => true };
  const deliverNow = createDirectDelivery({ lanes: [lane], metrics: createMetrics(new Registry(), [sink.name]), logger: pino({ level: 'silent' }), clock: () => clock.now });
  return { deliverNow, clock };
}

const settle = (promise: Promise<unknown>) => promise.then(() => 'ok', (error: unknown) => error);

describe('direct delivery', () => {
  test('When 50 callbacks arrive while a write is in flight, then they share one next write and each is answered', async () => {
    const gated = gatedSink();
    const { deliverNow } = direct(gated.sink);

    const first = settle(deliverNow(event('e0')));
    await until(() => gated.open === 1);
    const rest = Array.from({ length: 50 }, (_, i) => settle(deliverNow(event(`e${i + 1}`))));
    gated.releaseAll();
    await until(() => gated.open === 1);
    gated.releaseAll();

    expect(await Promise.all([first, ...rest])).toEqual(Array(51).fill('ok'));
    expect(gated.batches.map((b) => b.length)).toEqual([1, 50]);
    expect(new Set(gated.batches.flat()).size).toBe(51);
  });

  test('When the sink refuses one event of a shared write, then only that callback fails and the others are answered OK', async () => {
    const gated = gatedSink();
    gated.failWith((batch) => {
      const index = batch.findIndex((e) => e.attributes.id === 'poison');
      return index === -1 ? undefined : new BatchError(new Map([[index, new Error('refused')]]));
    });
    const { deliverNow } = direct(gated.sink);

    const blocker = settle(deliverNow(event('first')));
    await until(() => gated.open === 1);
    const results = ['a', 'poison', 'b'].map((id) => settle(deliverNow(event(id))));
    gated.releaseAll();
    await until(() => gated.open === 1);
    gated.releaseAll();
    const [a, poison, b] = await Promise.all(results);

    expect(await blocker).toBe('ok');
    expect([a, b]).toEqual(['ok', 'ok']);
    expect(poison).toBeInstanceOf(PipelineUnavailable);
    expect((poison as Error).message).toBe('required sink gated did not take the event; retry later');
  });

  test('When a sink ignores its abort signal, then the callback still fails at the sink timeout instead of hanging', async () => {
    const never: Sink = { name: 'stuck', write: () => new Promise<void>(() => undefined), close: async () => undefined };
    const { deliverNow } = direct(never, { timeoutMs: 50 });

    const result = await settle(deliverNow(event('x')));

    expect(result).toBeInstanceOf(PipelineUnavailable);
  });

  test('When a sink keeps failing, then its circuit opens and callbacks fail at once without calling it, until a probe succeeds', async () => {
    let calls = 0;
    let healthy = false;
    const flaky: Sink = {
      name: 'flaky',
      write: async () => {
        calls += 1;
        if (!healthy) throw new Error('connection refused by 10.0.0.7:4222');
      },
      close: async () => undefined,
    };
    const { deliverNow, clock } = direct(flaky, { circuitBreaker: { failureThreshold: 2, openMs: 1000 } });

    for (const id of ['1', '2']) await settle(deliverNow(event(id)));
    const whileOpen = await settle(deliverNow(event('3')));
    const callsWhileOpen = calls;
    healthy = true;
    clock.now += 1000;
    const probe = await settle(deliverNow(event('4')));

    expect(callsWhileOpen).toBe(2);
    expect(whileOpen).toBeInstanceOf(PipelineUnavailable);
    expect((whileOpen as Error).message).not.toMatch(/10\.0\.0\.7/);
    expect(probe).toBe('ok');
    expect(calls).toBe(3);
  });
});
