import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contractEvents } from '../../helpers/sink-contract';
import { buildSink, sinkConfigSchema, sinkTypes, type SinkConfig } from '../../../src/sinks/registry';

/** Settings for each sink type that build without its target (nothing here is ever reached). */
const settings = (dir: string): Record<SinkConfig['type'], Record<string, unknown>> => ({
  file: { path: join(dir, 'events.jsonl') },
  stdout: {},
  memory: {},
  http: { url: 'http://127.0.0.1:9/events' },
  nats: { servers: 'nats://127.0.0.1:9' },
  redis: { url: 'redis://127.0.0.1:9' },
  postgres: { connectionString: 'postgres://postgres@127.0.0.1:9/postgres' },
  easemob: { baseUrl: 'http://127.0.0.1:9', appKey: 'acme#chatapp', clientId: 'id', clientSecret: 'secret' },
  tencent: { baseUrl: 'http://127.0.0.1:9', sdkAppId: 1400000001, secretKey: 'secret' },
  netease: { baseUrl: 'http://127.0.0.1:9', appKey: 'appkey', appSecret: 'secret' },
});

describe('sink registry › the guard around every sink', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgw-guard-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const build = (type: SinkConfig['type']) =>
    buildSink(sinkConfigSchema.parse({ type, name: `guarded-${type}`, ...settings(dir)[type] }), { dataDir: dir, relayKeys: ['guard-test-relay-key-0123456789abcdef0123'] });

  test.each(sinkTypes)('When a %s sink has been closed, then write and check reject naming the sink, and the sink is not reached', async (type) => {
    const sink = await build(type);
    await sink.close();

    await expect(sink.write(contractEvents(1), AbortSignal.timeout(5000))).rejects.toThrow(`sink guarded-${type} is closed`);
    if (sink.check) await expect(sink.check(AbortSignal.timeout(5000))).rejects.toThrow(`sink guarded-${type} is closed`);
  });

  test.each(sinkTypes)('When a %s sink is given an aborted signal, then write and check reject with its reason', async (type) => {
    const sink = await build(type);
    const controller = new AbortController();
    const reason = new Error('shutting down');
    controller.abort(reason);

    await expect(sink.write(contractEvents(1), controller.signal)).rejects.toBe(reason);
    if (sink.check) await expect(sink.check(controller.signal)).rejects.toBe(reason);
    await sink.close();
  });

  test('When the sink types are listed, then every type the schema admits is tested here', () => {
    expect([...sinkTypes].sort()).toEqual(Object.keys(settings(dir)).sort());
  });
});
