import { Registry } from 'prom-client';
import { z } from 'zod';
import { envSchema } from './config';
import { failureReasons, quarantineReasons } from './errors';
import { createMetrics } from './metrics';
import { neutralMessageSchema } from './events/message';
import { sinkDefinitions } from './sinks/registry';
import { commonDelivery, deliverySettings, type DeliveryDefaults } from './sinks/sink';

/**
 * Renders the README's reference tables from the code that defines them, so the two cannot drift
 * (`npm run docs` rewrites them; a unit test fails when they differ).
 */
export function configTable(): string {
  const rows = Object.entries(envSchema.shape).map(([name, schema]) => {
    const fallback = defaultOf(schema as z.ZodType);
    return `| \`${name}\` | ${fallback === undefined ? '–' : `\`${fallback}\``} | ${(schema as z.ZodType).description ?? ''} |`;
  });
  return ['| Variable | Default | Meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

/**
 * The settings every sink accepts (`deliverySettings`), with defaults and descriptions; then the
 * defaults each sink type declares for its own (`SinkDefinition.delivery`), one row per type.
 */
export function sinkSettingsTable(): string {
  const own = Object.keys(commonDelivery);
  const rows = Object.entries(deliverySettings(commonDelivery)).map(([name, schema]) => {
    const fallback = defaultOf(schema as z.ZodType, true);
    const shown = own.includes(name) ? 'by sink type (below)' : fallback === undefined ? '–' : `\`${JSON.stringify(fallback)}\``;
    return `| \`${name}\` | ${shown} | ${(schema as z.ZodType).description ?? ''} |`;
  });
  const types = sinkDefinitions.map((d) => `| \`${d.config.shape.type.value}\` | ${own.map((key) => `\`${d.delivery[key as keyof DeliveryDefaults]}\``).join(' | ')} |`);
  return [
    ['| Setting | Default | Meaning |', '| --- | --- | --- |', ...rows].join('\n'),
    'Defaults of each sink type (its module declares them; a setting in the sink\'s entry wins):',
    [`| Type | ${own.map((key) => `\`${key}\``).join(' | ')} |`, `| --- |${' --- |'.repeat(own.length)}`, ...types].join('\n'),
  ].join('\n\n');
}

export function repliesTable(): string {
  const rows = [
    '| accepted | 200 | `OK` | 0 | `""` | The event is committed to the spool. |',
    '| duplicate | 200 | `OK` | 0 | `duplicate: already received` | An event with the same id is already stored; it is not delivered again. |',
    ...Object.entries(quarantineReasons).map(
      ([reason, info]) => `| quarantined (\`${reason}\`) | 200 | \`OK\` | 0 | \`quarantined: …\` | Authenticated, but ${info}: kept raw in quarantine. |`,
    ),
    ...Object.entries(failureReasons).map(
      ([reason, entry]) =>
        `| ${entry.outcome} (\`${reason}\`) | ${entry.httpStatus} | \`FAIL\` | 1 | precise text, e.g. \`${entry.info}\` | ${notes[reason] ?? ''} |`,
    ),
  ];
  return ['| Outcome | HTTP | ActionStatus | ErrorCode | ErrorInfo | Notes |', '| --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
}

const notes: Partial<Record<string, string>> = {
  not_found: 'Any path other than the callback and ops routes; the body is `{"error": …}`.',
  payload_too_large: 'Decided while reading, before the body is buffered past `MAX_BODY_BYTES`.',
  encoding_not_accepted: 'Decided from the header, before the body is read: `Content-Encoding` may be absent, `identity`, `gzip` (`x-gzip`) or `deflate`; any other coding (`br` included) or more than one is refused, with `Accept-Encoding: gzip, deflate`.',
  too_many_auth_failures: 'NetEase and Easemob, decided before the body is read: the client address failed authentication more than `AUTH_FAILURE_RATE_LIMIT` allows; with `Retry-After: 1`.',
  spool_unavailable: 'With `Retry-After: 1`; never `OK` for an event that is not committed.',
  internal: 'A bug; logged with its cause.',
};

export async function metricsTable(): Promise<string> {
  const registry = new Registry();
  createMetrics(registry);
  const metrics = registry.getMetricsAsArray() as unknown as { name: string; help: string; type: string; labelNames: string[] }[];
  const rows = metrics.map(
    (m) => `| \`${m.name}\` | ${m.type} | ${m.labelNames.map((l) => `\`${l}\``).join(', ') || '–'} | ${m.help} |`,
  );
  return ['| Metric | Type | Labels | Meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** A schema's default as written (`24h`), or with `parsed` as the value it becomes (`{…}` filled in). */
function defaultOf(schema: z.ZodType, parsed = false): unknown {
  const def = schema.def as { type: string; defaultValue?: unknown; innerType?: z.ZodType };
  if (def.type !== 'default' && def.type !== 'prefault') return undefined;
  return parsed && def.type === 'prefault' && def.innerType ? def.innerType.parse(def.defaultValue) : def.defaultValue;
}

/** The JSON Schema of the neutral message (`docs/message.schema.json`), generated from its zod schema. */
export function messageJsonSchema(): string {
  const schema = z.toJSONSchema(neutralMessageSchema, { target: 'draft-2020-12', io: 'output' });
  return `${JSON.stringify({ $id: 'urn:imgw:message:v1', title: 'IM gateway neutral message', ...schema }, null, 2)}\n`;
}
