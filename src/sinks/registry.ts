import { z } from 'zod';
import type { SinkDefinition } from './definition';
import { guardSink } from './guard';
import type { Sink, SinkDeps } from './sink';
import { easemobSink } from './relay/easemob/sink';
import { neteaseSink } from './relay/netease/sink';
import { tencentSink } from './relay/tencent/sink';
import { fileSink } from './file-sink';
import { memorySink } from './memory-sink';
import { httpSink } from './http-sink';
import { natsSink } from './nats-sink';
import { postgresSink } from './postgres-sink';
import { redisSink } from './redis-sink';
import { stdoutSink } from './stdout-sink';

/**
 * Every sink type. Adding a sink: its module (schema, delivery defaults and factory, in one
 * `defineSink`) and one entry here.
 */
export const sinkDefinitions = [fileSink, stdoutSink, memorySink, httpSink, natsSink, redisSink, postgresSink, easemobSink, tencentSink, neteaseSink] as const;
const definitions = sinkDefinitions;

type ConfigSchemas<T extends readonly SinkDefinition<z.ZodObject>[]> = { -readonly [K in keyof T]: T[K]['config'] };

/** Every sink type's settings; `type` picks the branch. */
export const sinkConfigSchema = z.discriminatedUnion('type', definitions.map((d) => d.config) as unknown as ConfigSchemas<typeof definitions>);
export type SinkConfig = z.output<typeof sinkConfigSchema>;

/** Every sink type's name (the `type` setting), in the registry's order. */
export const sinkTypes: readonly SinkConfig['type'][] = definitions.map((d) => d.config.shape.type.value);

/** A sink's stable name (spool key, lane, metric label): its `name` setting, or its type. */
export function sinkName(config: Pick<SinkConfig, 'name' | 'type'>): string {
  return config.name ?? config.type;
}

/** Builds the sink a configuration describes, named `sinkName(config)` and guarded as `guardSink` says. */
export async function buildSink(config: SinkConfig, deps: SinkDeps): Promise<Sink> {
  return guardSink(await createSink(config, deps), sinkName(config));
}

function createSink(config: SinkConfig, deps: SinkDeps): Promise<Sink> {
  // The definition pairs this schema with its factory, so the config is the factory's own type.
  return definitionOf(config.type).create(config as never, deps);
}

function definitionOf(type: SinkConfig['type']): SinkDefinition<z.ZodObject> {
  const definition = definitions.find((d) => d.config.shape.type.value === type);
  if (!definition) throw new Error(`no sink type ${type}`); // unreachable: the schema admits only listed types
  return definition as SinkDefinition<z.ZodObject>;
}

/** What a sink type warns about replaying events received since `since` to `sinks` (see `SinkDefinition`). */
export function replayWarnings(sinks: readonly SinkConfig[], since: number, now: number): string[] {
  return [...new Set(sinks.map((sink) => sink.type))].flatMap((type) => {
    const hook = definitionOf(type).replayWarnings;
    return hook ? hook(sinks.filter((sink) => sink.type === type), since, now) : [];
  });
}

/** Builds every configured sink; if one fails, the ones already built are closed and the error is thrown. */
export async function buildSinks(configs: readonly SinkConfig[], deps: SinkDeps): Promise<Sink[]> {
  const results = await Promise.allSettled(configs.map((config) => buildSink(config, deps)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (!failed) return results.map((r) => (r as PromiseFulfilledResult<Sink>).value);
  await Promise.allSettled(results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.close()] : [])));
  throw failed.reason;
}
