import Redis from 'ioredis';
import { z } from 'zod';
import { eventToJson, type Event } from '../events/event';
import { deliverySettings, throwIfAborted, type Sink } from './sink';
import { onceUntilSuccess } from './retry-once';
import { renderTemplate } from './templates';

export const redisSinkConfig = z.strictObject({
  type: z.literal('redis'),
  ...deliverySettings,
  url: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379').describe('redis:// or rediss:// URL (password in the URL)'),
  stream: z.string().min(1).default('imgw:events').describe('Stream key template; {attribute} is filled from the event'),
  maxLen: z.number().int().min(1).optional().describe('Approximate MAXLEN trimming (XADD MAXLEN ~)'),
  dedupeTtlSeconds: z.number().int().min(0).default(86_400).describe('Skip an event id seen within this many seconds; 0 = off'),
});

/**
 * XADDs each event to a stream with fields `id`, `type`, `source`, `time` and `event` (the CloudEvent
 * JSON), pipelined per batch. A small Lua script first checks a marker key per event id and sets it
 * after the XADD, so a retried batch does not add an event twice (within `dedupeTtlSeconds`). In
 * Redis Cluster, give the stream a hash tag (e.g. `{imgw}:events`): the marker keys share it.
 */
export async function createRedisSink(config: z.output<typeof redisSinkConfig>): Promise<Sink> {
  const redis = new Redis(config.url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 3000 });
  redis.on('error', () => {});
  redis.defineCommand('imgwAppend', {
    numberOfKeys: 2,
    lua: `
      if tonumber(ARGV[1]) > 0 and redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
      if ARGV[2] ~= '' then
        redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 3))
      else
        redis.call('XADD', KEYS[1], '*', unpack(ARGV, 3))
      end
      if tonumber(ARGV[1]) > 0 then redis.call('SET', KEYS[2], '1', 'EX', ARGV[1]) end
      return 1`,
  });
  let closed = false;
  const connect = onceUntilSuccess(() => redis.connect());

  /** Connects on first use; while the client is reconnecting by itself, fails fast so the batch is retried. */
  function ready(): Promise<void> {
    if (redis.status === 'ready') return Promise.resolve();
    if (redis.status !== 'wait' && redis.status !== 'connecting') return Promise.reject(new Error(`redis connection is ${redis.status}`));
    return connect();
  }

  return {
    name: config.name ?? 'redis',
    async write(batch: readonly Event[], signal: AbortSignal) {
      throwIfAborted(signal);
      if (closed) throw new Error('redis sink is closed');
      await ready();
      const pipeline = redis.pipeline();
      for (const event of batch) {
        const a = event.attributes;
        const stream = renderTemplate(config.stream, a);
        (pipeline as unknown as Record<string, (...args: unknown[]) => void>).imgwAppend!(
          stream, `${stream}:seen:${a.id}`, config.dedupeTtlSeconds, config.maxLen ?? '',
          'id', a.id, 'type', a.type, 'source', a.source, 'time', a.time, 'event', eventToJson(event),
        );
      }
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([error]) => error);
      if (failed) throw failed[0];
    },
    async close() {
      if (closed) return;
      closed = true;
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
