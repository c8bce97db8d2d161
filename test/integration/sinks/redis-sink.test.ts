import { createHook } from 'node:async_hooks';
import Redis from 'ioredis';
import { createRedisSink, redisSinkConfig } from '../../../src/sinks/redis-sink';
import { freePort, startRedis, type TestServer } from '../../helpers/servers';
import type { Event } from '../../../src/events/event';
import { BatchError, PermanentSinkError } from '../../../src/sinks/sink';
import { contractEvents, describeSinkContract } from '../../helpers/sink-contract';
import { runLane } from '../../helpers/sink-lane';
import { until } from '../../helpers/wait';

let server: TestServer;
let client: Redis;
beforeAll(async () => {
  server = await startRedis();
  client = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => {});
});
afterAll(async () => {
  client.disconnect();
  await server.destroy();
});

async function readStream(stream: string): Promise<Record<string, string>[]> {
  const entries = await client.xrange(stream, '-', '+');
  return entries.map(([, fields]) => Object.fromEntries(fields.flatMap((_, i) => (i % 2 ? [] : [[fields[i], fields[i + 1]]]))));
}

const sinkFor = (settings: Record<string, unknown> = {}) => createRedisSink(redisSinkConfig.parse({ type: 'redis', url: server.url, ...settings }));

describeSinkContract('redis', () => ({
  makeSink: sinkFor,
  readBack: async () => (await readStream('imgw:events')).map((fields) => JSON.parse(fields.event!) as Record<string, unknown>),
  dedupes: true,
  stop: () => server.stop(),
  start: () => server.start(),
}));

describe('redis sink', () => {
  test('When events are added, then each entry carries id, type, source and time fields beside the event', async () => {
    const sink = await sinkFor({ stream: 'im:{vendor}:{sdkappid}' });
    const [event] = contractEvents(1);

    await sink.write([event!], AbortSignal.timeout(5000));
    await sink.close();

    const [entry] = (await readStream('im:tencent:1400000001')).filter((f) => f.id === event!.attributes.id);
    expect(entry).toMatchObject({ id: event!.attributes.id, type: event!.attributes.type, source: event!.attributes.source, time: event!.attributes.time });
  });

  test('When maxLen is set, then the stream is trimmed to about that length', async () => {
    const sink = await sinkFor({ stream: 'trimmed', maxLen: 100 });

    for (let i = 0; i < 10; i++) await sink.write(contractEvents(100), AbortSignal.timeout(5000));
    await sink.close();

    const length = await client.xlen('trimmed');
    expect(length).toBeGreaterThanOrEqual(100);
    expect(length).toBeLessThan(400);
  });

  test('When de-duplication is off, then a repeated batch is added again', async () => {
    const sink = await sinkFor({ stream: 'nodedupe', dedupeTtlSeconds: 0 });
    const batch = contractEvents(2);

    await sink.write(batch, AbortSignal.timeout(5000));
    await sink.write(batch, AbortSignal.timeout(5000));
    await sink.close();

    expect(await client.xlen('nodedupe')).toBe(4);
  });
});

/** An event like the contract's, with some attributes replaced. */
function eventWith(attributes: Record<string, unknown>): Event {
  const [base] = contractEvents(1);
  return { attributes: { ...base!.attributes, ...attributes } as Event['attributes'], data: base!.data };
}

describe('redis sink, one bad event', () => {
  test('When the key one event maps to holds something else (WRONGTYPE), then that event alone fails for good', async () => {
    await client.set('byuser:mallory', 'not a stream');
    const sink = await sinkFor({ stream: 'byuser:{fromaccount}' });
    const [a, b] = contractEvents(2);
    const poison = eventWith({ fromaccount: 'mallory' });

    const error = await sink.write([a!, poison, b!], AbortSignal.timeout(5000)).catch((e: unknown) => e);
    await sink.close();

    expect(error).toBeInstanceOf(BatchError);
    expect([...(error as BatchError).failures.keys()]).toEqual([1]);
    const failure = (error as BatchError).failures.get(1)!;
    expect(failure).toBeInstanceOf(PermanentSinkError);
    expect(failure.message).toMatch(new RegExp(`^Redis at redis://127\\.0\\.0\\.1:${server.port} refused the event: WRONGTYPE`));
    expect((await readStream('byuser:user_alice')).map((f) => f.id)).toEqual([a!.attributes.id, b!.attributes.id]);
  });

  test('When a poison event sits in a lane, then the dispatcher dead-letters it alone and delivers every neighbour in order', async () => {
    await client.set('lane:mallory', 'not a stream');
    const sink = await sinkFor({ name: 'redis-lane', stream: 'lane:{fromaccount}' });
    const events = [...contractEvents(2), eventWith({ fromaccount: 'mallory' }), eventWith({ fromaccount: 'u'.repeat(10_000) }), ...contractEvents(2)];

    const result = await runLane(sink, events);
    await sink.close();

    expect(result.pending).toBe(0);
    expect(result.deadLetters.map((d) => d.id)).toEqual([events[2]!.attributes.id]);
    expect((await readStream('lane:user_alice')).map((f) => f.id)).toEqual([0, 1, 4, 5].map((i) => events[i]!.attributes.id));
    const longKeys = await client.keys('lane:uuuu*');
    expect(longKeys.filter((k) => !k.includes(':seen:')).map((k) => k.length)).toEqual([5 + 64]);
  });
});

describe('redis sink errors', () => {
  test('When nothing listens at the address, then the error names the address and the cause, never the password', async () => {
    const port = await freePort();
    const sink = await createRedisSink(redisSinkConfig.parse({ type: 'redis', url: `redis://:hunter2@127.0.0.1:${port}/0` }));

    const error = (await sink.write(contractEvents(1), AbortSignal.timeout(5000)).catch((e: unknown) => e)) as Error;
    await sink.close();

    expect(error.message).toMatch(new RegExp(`^Redis at redis://127\\.0\\.0\\.1:${port}/0: .*connect ECONNREFUSED 127\\.0\\.0\\.1:${port}`));
    expect(error.message).not.toContain('hunter2');
  });

  test('When the sink is closed after a refused connect, then it leaves no timer behind to hold the process open', async () => {
    const sink = await createRedisSink(redisSinkConfig.parse({ type: 'redis', url: `redis://127.0.0.1:${await freePort()}` }));
    const failed = await sink.write(contractEvents(1), new AbortController().signal).then(() => false, () => true);
    // The timers close() starts, until each has fired or been cleared.
    const live = new Set<number>();
    let closing = true;
    const hook = createHook({
      init: (id, type) => void (closing && type === 'Timeout' && live.add(id)),
      destroy: (id) => void live.delete(id),
    }).enable();
    await sink.close();
    closing = false;

    // ioredis's default keeps a 2 s timer for a socket that is already closed (the client was waiting to reconnect).
    await until(() => live.size === 0, 1000).finally(() => hook.disable());
    expect(failed).toBe(true);
  });

  test('When the server goes away after connecting, then the error names the address instead of only "Connection is closed."', async () => {
    const own = await startRedis();
    try {
      const sink = await createRedisSink(redisSinkConfig.parse({ type: 'redis', url: own.url }));
      await sink.write(contractEvents(1), AbortSignal.timeout(5000));
      await own.stop();

      const error = (await sink.write(contractEvents(1), AbortSignal.timeout(5000)).catch((e: unknown) => e)) as Error;
      await sink.close();

      expect(error.message).toMatch(new RegExp(`^Redis at redis://127\\.0\\.0\\.1:${own.port}: `));
      expect(error.message).not.toBe('Connection is closed.');
    } finally {
      await own.destroy();
    }
  });
});
