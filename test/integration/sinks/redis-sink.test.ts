import Redis from 'ioredis';
import { createRedisSink, redisSinkConfig } from '../../../src/sinks/redis-sink';
import { startRedis, type TestServer } from '../../helpers/servers';
import { contractEvents, describeSinkContract } from '../../helpers/sink-contract';

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
