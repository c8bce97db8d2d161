import pg from 'pg';
import { z } from 'zod';
import { eventToJson, type Event } from '../events/event';
import { onceUntilSuccess } from './retry-once';
import { deliverySettings, throwIfAborted, type Sink } from './sink';

export const postgresSinkConfig = z.strictObject({
  type: z.literal('postgres'),
  ...deliverySettings,
  connectionString: z.string().min(1).default('postgres://postgres@127.0.0.1:5432/postgres').describe('libpq-style URL'),
  table: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}(\.[a-z_][a-z0-9_]{0,62})?$/, 'expected a lower-case SQL identifier, optionally schema-qualified')
    .default('im_events'),
  poolSize: z.number().int().min(1).max(100).default(4),
  migrate: z.boolean().default(true).describe('Create the table and indexes at the first write (idempotent)'),
});

/** The table the sink writes; also in the README for operators who run migrations themselves. */
export function postgresMigration(table: string): string {
  const index = table.replace('.', '_');
  return `
CREATE TABLE IF NOT EXISTS ${table} (
  id           text        PRIMARY KEY,
  seq          bigserial   NOT NULL,
  type         text        NOT NULL,
  source       text        NOT NULL,
  time         timestamptz NOT NULL,
  sdkappid     text,
  from_account text,
  to_account   text,
  group_id     text,
  msg_key      text,
  msg_time     timestamptz,
  received_at  timestamptz NOT NULL DEFAULT now(),
  event        jsonb       NOT NULL
);
CREATE INDEX IF NOT EXISTS ${index}_seq_idx ON ${table} (seq);
CREATE INDEX IF NOT EXISTS ${index}_time_idx ON ${table} (time);
CREATE INDEX IF NOT EXISTS ${index}_from_idx ON ${table} (sdkappid, from_account, time);
CREATE INDEX IF NOT EXISTS ${index}_to_idx ON ${table} (sdkappid, to_account, time);
CREATE INDEX IF NOT EXISTS ${index}_group_idx ON ${table} (sdkappid, group_id, time) WHERE group_id IS NOT NULL;`;
}

const columns = ['id', 'type', 'source', 'time', 'sdkappid', 'from_account', 'to_account', 'group_id', 'msg_key', 'msg_time', 'event'];

/**
 * Inserts each batch as one multi-row INSERT … ON CONFLICT (id) DO NOTHING, so a retried batch never
 * duplicates a row. `seq` increases with insertion, for consumers that poll for new rows. Query columns are filled from the event's attributes; `event` holds the whole
 * CloudEvent as jsonb (numbers keep their precision).
 */
export async function createPostgresSink(config: z.output<typeof postgresSinkConfig>): Promise<Sink> {
  const pool = new pg.Pool({
    connectionString: config.connectionString,
    max: config.poolSize,
    connectionTimeoutMillis: Math.min(config.timeoutMs, 5000),
    statement_timeout: config.timeoutMs,
    application_name: 'im-callback-gateway',
  });
  pool.on('error', () => {});
  let closed = false;
  const migrate = onceUntilSuccess(async () => {
    if (config.migrate) await pool.query(postgresMigration(config.table));
  });

  return {
    name: config.name ?? 'postgres',
    async write(batch: readonly Event[], signal: AbortSignal) {
      throwIfAborted(signal);
      if (closed) throw new Error('postgres sink is closed');
      await migrate();
      const values: unknown[] = [];
      const rows = batch.map((event) => {
        const a = event.attributes;
        const msgTime = typeof a.msgtime === 'number' ? new Date(a.msgtime * 1000).toISOString() : null;
        const row = [a.id, a.type, a.source, a.time, a.sdkappid, a.fromaccount, a.toaccount, a.groupid, a.msgkey, msgTime, eventToJson(event)];
        const base = values.length;
        values.push(...row.map((value) => value ?? null));
        return `(${row.map((_, i) => `$${base + i + 1}`).join(', ')})`;
      });
      await pool.query(`INSERT INTO ${config.table} (${columns.join(', ')}) VALUES ${rows.join(', ')} ON CONFLICT (id) DO NOTHING`, values);
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
