import { z } from 'zod';
import type { Sink, SinkDeps } from './sink';
import { createEasemobSink, easemobSinkConfig } from './relay/easemob/sink';
import { createFileSink, fileSinkConfig } from './file-sink';
import { createMemorySink, memorySinkConfig } from './memory-sink';
import { createHttpSink, httpSinkConfig } from './http-sink';
import { createNatsSink, natsSinkConfig } from './nats-sink';
import { createPostgresSink, postgresSinkConfig } from './postgres-sink';
import { createRedisSink, redisSinkConfig } from './redis-sink';
import { createStdoutSink, stdoutSinkConfig } from './stdout-sink';

/** Every sink type; `type` picks the branch. Adding a sink: one member here and one `case` below. */
export const sinkConfigSchema = z.discriminatedUnion('type', [
  fileSinkConfig,
  stdoutSinkConfig,
  memorySinkConfig,
  httpSinkConfig,
  natsSinkConfig,
  redisSinkConfig,
  postgresSinkConfig,
  easemobSinkConfig,
]);
export type SinkConfig = z.output<typeof sinkConfigSchema>;

/** A sink's stable name (spool key, lane, metric label): its `name` setting, or its type. */
export function sinkName(config: Pick<SinkConfig, 'name' | 'type'>): string {
  return config.name ?? config.type;
}

/**
 * Builds the sink a configuration describes. The registry, not the factory, fixes its `name`
 * (`sinkName`), so the spool rows, the lane and the metrics always agree, and makes `close` idempotent
 * (later calls share the first). The health check, where the sink has one, is passed through.
 */
export async function buildSink(config: SinkConfig, deps: SinkDeps): Promise<Sink> {
  const sink = await createSink(config, deps);
  let closing: Promise<void> | undefined;
  const check = sink.check?.bind(sink);
  const journalBytes = sink.journalBytes?.bind(sink);
  return {
    name: sinkName(config),
    write: (batch, signal) => sink.write(batch, signal),
    ...(check ? { check } : {}),
    ...(journalBytes ? { journalBytes } : {}),
    close: () => (closing ??= sink.close()),
  };
}

function createSink(config: SinkConfig, deps: SinkDeps): Promise<Sink> {
  switch (config.type) {
    case 'file':
      return createFileSink(config, deps);
    case 'stdout':
      return createStdoutSink(config);
    case 'memory':
      return createMemorySink(config);
    case 'http':
      return createHttpSink(config, deps.clock);
    case 'nats':
      return createNatsSink(config);
    case 'redis':
      return createRedisSink(config);
    case 'postgres':
      return createPostgresSink(config);
    case 'easemob':
      return createEasemobSink(config, deps, deps.clock);
  }
}

/** Builds every configured sink; if one fails, the ones already built are closed and the error is thrown. */
export async function buildSinks(configs: readonly SinkConfig[], deps: SinkDeps): Promise<Sink[]> {
  const results = await Promise.allSettled(configs.map((config) => buildSink(config, deps)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (!failed) return results.map((r) => (r as PromiseFulfilledResult<Sink>).value);
  await Promise.allSettled(results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.close()] : [])));
  throw failed.reason;
}
