import type { Result } from 'ioredis';
import { loadRedis } from './clients';
import { z } from 'zod';
import { eventToJson, type Event } from '../events/event';
import { causeText, safeAddress } from './addresses';
import { defineSink } from './definition';
import { abortable, BatchError, deliverySettings, PermanentSinkError, type DeliveryDefaults, type Sink } from './sink';
import { onceUntilSuccess } from './retry-once';
import { renderTemplate } from './templates';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** See the Lua script in `createRedisSink`: 1 = added, 0 = already added within the dedupe TTL. */
    imgwAppend(stream: string, marker: string, ttlSeconds: number, maxLen: number | '', ...fields: string[]): Result<number, Context>;
  }
}

/** One pipelined round trip per batch: the common sizes, in order. */
const redisDelivery: DeliveryDefaults = { batchSize: 1000, maxBatchBytes: 1024 * 1024, lingerMs: 0, concurrency: 1, timeoutMs: 10_000 };

export const redisSinkConfig = z.strictObject({
  type: z.literal('redis'),
  ...deliverySettings(redisDelivery),
  url: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379').describe('redis:// or rediss:// URL (password in the URL)'),
  stream: z.string().min(1).default('imgw:events').describe('Stream key template; {attribute} is filled from the event'),
  maxLen: z.number().int().min(1).optional().describe('Approximate MAXLEN trimming (XADD MAXLEN ~)'),
  dedupeTtlSeconds: z.number().int().min(0).default(86_400).describe('Skip an event id seen within this many seconds; 0 = off'),
});

/** See the `disconnectTimeout` option in `createRedisSink`. */
const disconnectTimeoutMs = 100;

/** Redis refusals that come back on every attempt for that event: it goes to dead letters alone. */
const permanentReplies = /^(WRONGTYPE|ERR (Invalid stream ID|The ID specified|string exceeds maximum allowed size))/;

/**
 * XADDs each event to a stream with fields `id`, `type`, `source`, `time` and `event` (the CloudEvent
 * JSON), pipelined per batch. A small Lua script first checks a marker key per event id and sets it
 * after the XADD, so a retried batch does not add an event twice (within `dedupeTtlSeconds`). In
 * Redis Cluster, give the stream a hash tag (e.g. `{imgw}:events`): the marker keys share it.
 *
 * Each event has its own outcome: a reply such as `WRONGTYPE` (the key a template renders for it
 * holds something else than a stream) fails that event for good, alone; other errors are retried.
 */
export async function createRedisSink(config: z.output<typeof redisSinkConfig>): Promise<Sink> {
  const where = safeAddress(config.url);
  const Redis = loadRedis();
  const redis = new Redis(config.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 3000,
    // How long ioredis waits for a socket it ends to close before destroying it. A client waiting to
    // reconnect keeps its last socket, already closed, which never reports closing again: each
    // disconnect() then leaves a timer this long (2 s by default) that holds the process open.
    disconnectTimeout: disconnectTimeoutMs,
  });
  let lastError: unknown;
  redis.on('error', (error: unknown) => {
    lastError = error;
  });
  redis.on('ready', () => {
    lastError = undefined;
  });
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

  /** What went wrong talking to the server, with its address and the underlying cause. */
  function problem(error: unknown): Error {
    const cause = causeText(error);
    const last = lastError === undefined ? '' : causeText(lastError);
    const detail = last && !cause.includes(last) ? `${cause} (last connection error: ${last})` : cause;
    return new Error(`Redis at ${where}: ${detail}`, { cause: error });
  }

  /** Connects on first use; while the client is reconnecting by itself, fails fast so the batch is retried. */
  async function ready(): Promise<void> {
    if (redis.status === 'ready') return;
    if (redis.status !== 'wait' && redis.status !== 'connecting') throw problem(new Error(`connection is ${redis.status}`));
    await connect().catch((error: unknown) => {
      throw problem(error);
    });
  }

  return {
    name: config.name ?? 'redis',
    async write(batch: readonly Event[]) {
      await ready();
      const pipeline = redis.pipeline();
      for (const event of batch) {
        const a = event.attributes;
        const stream = renderTemplate(config.stream, a);
        pipeline.imgwAppend(stream, `${stream}:seen:${a.id}`, config.dedupeTtlSeconds, config.maxLen ?? '',
          'id', a.id, 'type', a.type, 'source', a.source, 'time', a.time, 'event', eventToJson(event));
      }
      const results = await pipeline.exec().catch((error: unknown) => {
        throw problem(error);
      });
      if (!results || results.length !== batch.length) throw problem(new Error('the pipeline returned no reply for the batch'));
      const failures = new Map<number, Error>();
      results.forEach(([error], index) => {
        if (!error) return;
        const message = error.message.replace(/^ERR Error running script.*?: /, '');
        failures.set(index, permanentReplies.test(message) ? new PermanentSinkError(`Redis at ${where} refused the event: ${message}`) : problem(error));
      });
      if (failures.size === batch.length && [...failures.values()].every((e) => !(e instanceof PermanentSinkError))) throw failures.get(0)!;
      if (failures.size > 0) throw new BatchError(failures);
    },
    /** PING over the sink's own connection (connecting it if it is not yet). */
    async check(signal: AbortSignal) {
      try {
        await abortable(ready(), signal);
        await abortable(redis.ping(), signal);
      } catch (error) {
        if (signal.aborted) throw problem(signal.reason);
        throw error instanceof Error && error.message.startsWith('Redis at ') ? error : problem(error);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      // QUIT only over a live connection; otherwise end the client at once (nothing is left to send).
      if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
      else if (redis.status !== 'end') redis.disconnect();
    },
  };
}

export const redisSink = defineSink({ config: redisSinkConfig, delivery: redisDelivery, create: (config) => createRedisSink(config) });
