import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { buildSink, replayWarnings, sinkConfigSchema, sinkDefinitions, sinkName } from '../../../src/sinks/registry';
import { deliverySettings, deliverySettingsSchema } from '../../../src/sinks/sink';

describe('sink registry', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgw-registry-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('When a sink is built, then its name is the configured name or its type, whatever the factory says', async () => {
    const named = await buildSink(sinkConfigSchema.parse({ type: 'file', name: 'archive', path: join(dir, 'a.jsonl') }), { dataDir: dir });
    const plain = await buildSink(sinkConfigSchema.parse({ type: 'memory' }), { dataDir: dir });

    expect(named.name).toBe('archive');
    expect(plain.name).toBe('memory');
    expect(sinkName({ type: 'stdout' })).toBe('stdout');
    await Promise.all([named.close(), plain.close()]);
  });

  test('When a replay is planned, then each sink type\'s own replay hook speaks for its sinks (NATS: the duplicate window) and the others say nothing', () => {
    const sinks = [
      sinkConfigSchema.parse({ type: 'file', path: join(dir, 'a.jsonl') }),
      sinkConfigSchema.parse({ type: 'nats', name: 'bus', servers: ['nats://127.0.0.1:4222'], subject: 'im' }),
      sinkConfigSchema.parse({ type: 'memory' }),
    ];

    expect(replayWarnings(sinks, 0, 119_000)).toEqual([]);
    expect(replayWarnings(sinks, 0, 121_000)).toEqual([expect.stringMatching(/^sink bus: events received before .* duplicate window/)]);
    expect(replayWarnings([sinks[0]!, sinks[2]!], 0, 10_000_000)).toEqual([]);
  });

  test('When close is called twice, then both calls share one close', async () => {
    const sink = await buildSink(sinkConfigSchema.parse({ type: 'file', path: join(dir, 'a.jsonl') }), { dataDir: dir });

    const first = sink.close();
    const second = sink.close();

    expect(second).toBe(first);
    await first;
  });

  test('When every sink type is parsed without delivery settings, then each gets the same delivery defaults (the file sink gathers for 25 ms)', () => {
    const defaults = deliverySettingsSchema.parse({});
    for (const type of ['file', 'stdout', 'memory', 'http', 'nats', 'redis', 'postgres']) {
      const parsed = sinkConfigSchema.parse(type === 'http' ? { type, url: 'http://receiver:8080/x' } : { type }) as Record<string, unknown>;
      const delivery = Object.fromEntries(Object.keys(defaults).map((key) => [key, parsed[key]]));
      expect(delivery).toEqual(type === 'file' ? { ...defaults, lingerMs: 25 } : defaults);
    }
    expect(defaults).toMatchObject({ batchSize: 1000, maxBatchBytes: 1024 * 1024, concurrency: 1, payload: 'cloudevent', maxAgeMs: 86_400_000 });
  });

  test('When a sink is configured without delivery settings, then its type\'s own defaults apply, and a setting given wins', () => {
    const required: Record<string, Record<string, unknown>> = {
      http: { url: 'http://receiver:8080/x' },
      easemob: { baseUrl: 'https://a1.easemob.com', appKey: 'acme#chatapp', clientId: 'id', clientSecret: 'secret' },
      tencent: { sdkAppId: 1400000001, secretKey: 'secret' },
      netease: { appKey: 'nimappkey', appSecret: 'secret' },
    };
    for (const definition of sinkDefinitions) {
      const type = definition.config.shape.type.value;

      const plain = sinkConfigSchema.parse({ type, ...required[type] }) as Record<string, unknown>;
      const tuned = sinkConfigSchema.parse({ type, ...required[type], batchSize: 7, concurrency: 3 }) as Record<string, unknown>;

      expect(Object.fromEntries(Object.keys(definition.delivery).map((key) => [key, plain[key]]))).toEqual(definition.delivery);
      expect(tuned).toMatchObject({ batchSize: 7, concurrency: 3, timeoutMs: definition.delivery.timeoutMs });
    }
  });

  test('When delivery settings are built with a type\'s defaults, then those defaults, not the common ones, fill what is missing', () => {
    const own = { batchSize: 50, maxBatchBytes: 4096, lingerMs: 5, concurrency: 4, timeoutMs: 2000 };

    const parsed = z.strictObject(deliverySettings(own)).parse({ lingerMs: 0 });

    expect(parsed).toMatchObject({ ...own, lingerMs: 0, retryInitialMs: 500, required: true });
  });
});
