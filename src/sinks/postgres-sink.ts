import type * as Pg from 'pg';
import { loadPg } from './clients';
import { z } from 'zod';
import { eventToJson, type AttributeValue, type Event } from '../events/event';
import { onceUntilSuccess } from './retry-once';
import { causeText, safeAddress } from './addresses';
import { defineSink } from './definition';
import { abortable, BatchError, deliverySettings, PermanentSinkError, throwIfAborted, type DeliveryDefaults, type Sink } from './sink';

/** One multi-row INSERT per batch: the common sizes, in order. */
const postgresDelivery: DeliveryDefaults = { batchSize: 1000, maxBatchBytes: 1024 * 1024, lingerMs: 0, concurrency: 1, timeoutMs: 10_000 };

export const postgresSinkConfig = z.strictObject({
  type: z.literal('postgres'),
  ...deliverySettings(postgresDelivery),
  connectionString: z.string().min(1).default('postgres://postgres@127.0.0.1:5432/postgres').describe('libpq-style URL'),
  table: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}(\.[a-z_][a-z0-9_]{0,62})?$/, 'expected a lower-case SQL identifier, optionally schema-qualified')
    .default('im_events'),
  poolSize: z.number().int().min(1).max(100).default(4),
  migrate: z.boolean().default(true).describe('Create the table, or upgrade it to the current version, at start (idempotent)'),
});

/** The table layout this version writes (recorded in `imgw_schema_version`). */
export const postgresSchemaVersion = 2;

/** Longest text kept in a query column; the `event` column keeps the whole value. */
export const maxColumnLength = 256;

/** The table the sink writes (version 2); also in the README for operators who run migrations themselves. */
export function postgresMigration(table: string): string {
  const index = table.replace('.', '_');
  return `
CREATE TABLE IF NOT EXISTS ${table} (
  id          text        PRIMARY KEY,
  seq         bigserial   NOT NULL,
  vendor      text        NOT NULL,
  command     text        NOT NULL,
  type        text        NOT NULL,
  source      text        NOT NULL,
  time        timestamptz,
  appid       text,
  fromaccount text,
  toaccount   text,
  groupid     text,
  convtype    text,
  messageid   text,
  sendfailed  boolean,
  received_at timestamptz NOT NULL DEFAULT now(),
  event       jsonb,
  event_text  text,
  CONSTRAINT ${index}_event_kept CHECK (event IS NOT NULL OR event_text IS NOT NULL)
);
CREATE INDEX IF NOT EXISTS ${index}_seq_idx ON ${table} (seq);
CREATE INDEX IF NOT EXISTS ${index}_time_idx ON ${table} (time);
CREATE INDEX IF NOT EXISTS ${index}_from_idx ON ${table} (appid, fromaccount, time);
CREATE INDEX IF NOT EXISTS ${index}_to_idx ON ${table} (appid, toaccount, time);
CREATE INDEX IF NOT EXISTS ${index}_group_idx ON ${table} (appid, groupid, time) WHERE groupid IS NOT NULL;
CREATE INDEX IF NOT EXISTS ${index}_message_idx ON ${table} (appid, messageid) WHERE messageid IS NOT NULL;
COMMENT ON TABLE ${table} IS 'IM callback gateway events, schema version ${postgresSchemaVersion}';`;
}

/**
 * Version 1 (Tencent's names: sdkappid, from_account, to_account, group_id, msg_key, msg_time) to 2
 * (the common attributes). Renames keep the data and the indexes; the new columns are filled from the
 * stored CloudEvent; `msg_time` goes (the event keeps `msgtime`, and `time` already holds the time).
 * The indexes follow the renamed columns.
 */
function upgradeFromV1(table: string): string {
  const index = table.replace('.', '_');
  return `
ALTER TABLE ${table} RENAME COLUMN sdkappid TO appid;
ALTER TABLE ${table} RENAME COLUMN from_account TO fromaccount;
ALTER TABLE ${table} RENAME COLUMN to_account TO toaccount;
ALTER TABLE ${table} RENAME COLUMN group_id TO groupid;
ALTER TABLE ${table} RENAME COLUMN msg_key TO messageid;
ALTER TABLE ${table}
  ADD COLUMN vendor text, ADD COLUMN command text, ADD COLUMN convtype text, ADD COLUMN sendfailed boolean,
  ADD COLUMN event_text text, ALTER COLUMN event DROP NOT NULL, ALTER COLUMN time DROP NOT NULL;
UPDATE ${table} SET
  vendor = coalesce(event->>'vendor', 'tencent'),
  command = coalesce(event->>'command', regexp_replace(type, '^com\\.tencent\\.im\\.', '')),
  messageid = coalesce(messageid, event->>'msgseq'),
  convtype = CASE WHEN groupid IS NOT NULL OR type LIKE 'com.tencent.im.Group.%' THEN 'group'
                  WHEN type LIKE 'com.tencent.im.C2C.%' THEN 'c2c' END,
  sendfailed = CASE WHEN event ? 'sendresult' THEN (event->>'sendresult') <> '0' END;
ALTER TABLE ${table} ALTER COLUMN vendor SET NOT NULL, ALTER COLUMN command SET NOT NULL, DROP COLUMN msg_time;
ALTER TABLE ${table} ADD CONSTRAINT ${index}_event_kept CHECK (event IS NOT NULL OR event_text IS NOT NULL);`;
}

/**
 * Brings the table to `postgresSchemaVersion` in one transaction, under an advisory lock so that pods
 * starting together migrate once: creates it, upgrades a version 1 table, or records the version of a
 * table created by hand from the README.
 */
export async function migratePostgresTable(client: Pg.ClientBase, table: string): Promise<void> {
  const versions = `${table.includes('.') ? `${table.split('.')[0]}.` : ''}imgw_schema_version`;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`imgw:${table}`]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${versions} (table_name text PRIMARY KEY, version integer NOT NULL, migrated_at timestamptz NOT NULL DEFAULT now())`,
    );
    const recorded = (await client.query<{ version: number }>(`SELECT version FROM ${versions} WHERE table_name = $1`, [table])).rows[0]?.version;
    if (recorded !== undefined && recorded > postgresSchemaVersion) {
      throw new Error(`${table} has schema version ${recorded}, newer than this gateway's ${postgresSchemaVersion}`);
    }
    if (recorded !== postgresSchemaVersion) {
      const v1 = await client.query(`SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = 'sdkappid' AND NOT attisdropped`, [table]);
      if (v1.rowCount) await client.query(upgradeFromV1(table));
      await client.query(postgresMigration(table));
      await client.query(
        `INSERT INTO ${versions} (table_name, version) VALUES ($1, $2) ON CONFLICT (table_name) DO UPDATE SET version = $2, migrated_at = now()`,
        [table, postgresSchemaVersion],
      );
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

const columns = ['id', 'vendor', 'command', 'type', 'source', 'time', 'appid', 'fromaccount', 'toaccount', 'groupid', 'convtype', 'messageid', 'sendfailed', 'event', 'event_text'];
const rowsPerInsert = Math.floor(65_535 / columns.length);

/**
 * Inserts each batch as one multi-row INSERT … ON CONFLICT (id) DO NOTHING, so a retried batch never
 * duplicates a row. `seq` increases with insertion, for consumers that poll for new rows. Query columns
 * are the common attributes; `event` holds the whole CloudEvent as jsonb (numbers keep their precision).
 *
 * A real message is stored even where PostgreSQL cannot hold it as is:
 * - query columns: NUL and lone surrogates become U+FFFD, and text is cut at 256 characters;
 * - `time` is NULL when it is not an RFC 3339 time in years 1–9999;
 * - when `jsonb` refuses the event (`\u0000`, a lone surrogate escape, nesting too deep), `event` is
 *   NULL and `event_text` holds the CloudEvent JSON exactly as text.
 * If PostgreSQL still refuses a row for a reason that will not change (SQLSTATE class 22, 23 or 54,
 * e.g. a CHECK constraint added by the operator), only that event fails, permanently (dead letters);
 * the other events of its batch are stored.
 */
export async function createPostgresSink(config: z.output<typeof postgresSinkConfig>): Promise<Sink> {
  const pool = new (loadPg().Pool)({
    connectionString: config.connectionString,
    max: config.poolSize,
    connectionTimeoutMillis: Math.min(config.timeoutMs, 5000),
    statement_timeout: config.timeoutMs,
    application_name: 'im-callback-gateway',
  });
  pool.on('error', () => {});
  const where = safeAddress(config.connectionString);
  let closed = false;
  const migrate = onceUntilSuccess(async () => {
    if (!config.migrate) return;
    const client = await pool.connect();
    try {
      await migratePostgresTable(client, config.table);
    } finally {
      client.release();
    }
  });
  // Migrate at start; a failure (PostgreSQL not up yet) is retried by the first write.
  migrate().catch(() => undefined);

  /** Multi-row INSERTs in order, each under PostgreSQL's 65,535 parameters; a retry re-inserts nothing. */
  async function insert(rows: readonly (readonly unknown[])[]): Promise<void> {
    for (let start = 0; start < rows.length; start += rowsPerInsert) {
      const values: unknown[] = [];
      const tuples = rows.slice(start, start + rowsPerInsert).map((row) => {
        const base = values.length;
        values.push(...row);
        return `(${row.map((_, i) => `$${base + i + 1}`).join(', ')})`;
      });
      await pool.query(`INSERT INTO ${config.table} (${columns.join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT (id) DO NOTHING`, values);
    }
  }

  /** One row at a time, as jsonb then as text; only events PostgreSQL refuses for good fail. */
  async function insertEach(batch: readonly Event[], signal: AbortSignal): Promise<void> {
    const failures = new Map<number, unknown>();
    for (let i = 0; i < batch.length; i++) {
      const event = batch[i] as Event;
      try {
        throwIfAborted(signal);
        const refused = await insert([toRow(event, 'jsonb')]).then(() => undefined, refusal);
        if (refused === undefined) continue;
        const stillRefused = await insert([toRow(event, 'text')]).then(() => undefined, refusal);
        if (stillRefused !== undefined) {
          failures.set(i, new PermanentSinkError(`PostgreSQL refused the event: ${stillRefused.message} (SQLSTATE ${stillRefused.code})`));
        }
      } catch (error) {
        // Not the event's fault (connection lost, timeout): it and the rest are retried, in order.
        for (let j = i; j < batch.length; j++) failures.set(j, error);
        break;
      }
    }
    if (failures.size > 0) throw new BatchError(failures);
  }

  return {
    name: config.name ?? 'postgres',
    async write(batch: readonly Event[], signal: AbortSignal) {
      await migrate();
      const refused = await insert(batch.map((event) => toRow(event, 'jsonb'))).then(() => undefined, refusal);
      if (refused !== undefined) await insertEach(batch, signal);
    },
    /**
     * A query over the sink's pool: the table is there (with `migrate`, after creating or upgrading it
     * as the first write would).
     */
    async check(signal: AbortSignal) {
      try {
        await abortable(migrate(), signal);
        const { rows } = await abortable(pool.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [config.table]), signal);
        if (!rows[0]?.found) throw new Error(`table ${config.table} does not exist (migrate is off: create it as the README shows)`);
      } catch (error) {
        throw new Error(`PostgreSQL at ${where}: ${causeText(signal.aborted ? signal.reason : error)}`, { cause: error });
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

type Refusal = Error & { code: string };

/** Returns the error when PostgreSQL refused the data for good (SQLSTATE class 22, 23, 54); rethrows any other. */
function refusal(error: unknown): Refusal {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^(22|23|54)[0-9A-Z]{3}$/.test(code)) return error as Refusal;
  throw error;
}

function toRow(event: Event, form: 'jsonb' | 'text'): unknown[] {
  const a = event.attributes;
  const json = eventToJson(event);
  return [
    clean(a.id),
    column(a.vendor) ?? '',
    column(a.command) ?? '',
    clean(a.type),
    clean(a.source),
    timestamp(a.time),
    column(a.appid),
    column(a.fromaccount),
    column(a.toaccount),
    column(a.groupid),
    column(a.convtype),
    column(a.messageid),
    typeof a.sendfailed === 'boolean' ? a.sendfailed : null,
    form === 'jsonb' ? json : null,
    form === 'text' ? clean(json) : null,
  ];
}

/** Text PostgreSQL can hold: no NUL, no lone surrogate (each becomes U+FFFD). */
function clean(value: string): string {
  // eslint-disable-next-line no-control-regex -- NUL is what PostgreSQL text and jsonb refuse
  return value.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\u0000/g, '\uFFFD');
}

function column(value: AttributeValue | undefined): string | null {
  if (value === undefined || value === '') return null;
  return clean(clean(String(value)).slice(0, maxColumnLength));
}

/** An RFC 3339 time PostgreSQL's timestamptz accepts (years 1–9999), else null. */
function timestamp(value: string): string | null {
  const match = /^(\d{4})-\d{2}-\d{2}T/.exec(value);
  return match && Number(match[1]) >= 1 && Number.isFinite(Date.parse(value)) ? value : null;
}

export const postgresSink = defineSink({ config: postgresSinkConfig, delivery: postgresDelivery, create: (config) => createPostgresSink(config) });
