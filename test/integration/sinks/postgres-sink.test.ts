import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { Registry } from 'prom-client';
import { eventToJson, type Event } from '../../../src/events/event';
import { createMetrics } from '../../../src/metrics';
import { createDispatcher } from '../../../src/pipeline/dispatcher';
import { openSpool } from '../../../src/pipeline/spool';
import { createPostgresSink, migratePostgresTable, postgresSinkConfig } from '../../../src/sinks/postgres-sink';
import { startPostgres, type TestServer } from '../../helpers/servers';
import { contractEvents, describeSinkContract } from '../../helpers/sink-contract';
import { TEST_NOW_MS } from '../../helpers/tencent';
import { until } from '../../helpers/wait';

let server: TestServer;
beforeAll(async () => {
  server = await startPostgres();
  // The contract's poison event: a row the operator's constraint refuses for good.
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  await migratePostgresTable(client, 'im_events');
  await client.query(`ALTER TABLE im_events ADD CONSTRAINT contract_poison CHECK (fromaccount IS DISTINCT FROM 'never-storable')`);
  await client.end();
});
afterAll(() => server.destroy());

async function query<T>(sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    return (await client.query(sql, values)).rows as T[];
  } finally {
    await client.end();
  }
}

const settings = (extra: Record<string, unknown> = {}) =>
  postgresSinkConfig.parse({ type: 'postgres', connectionString: server.url, timeoutMs: 3000, ...extra });
const sinkFor = (extra: Record<string, unknown> = {}) => createPostgresSink(settings(extra));

describeSinkContract('postgres', () => ({
  makeSink: sinkFor,
  readBack: async () => (await query<{ event: Record<string, unknown> }>('SELECT event FROM im_events ORDER BY seq')).map((r) => r.event),
  dedupes: true,
  stop: () => server.stop(),
  start: () => server.start(),
}), { poison: (event) => ({ ...event, attributes: { ...event.attributes, fromaccount: 'never-storable' } }) });

describe('postgres sink', () => {
  test('When an event is inserted, then the columns are the common attributes and jsonb keeps big numbers', async () => {
    const sink = await sinkFor({ table: 'public.messages' });
    const [event] = contractEvents(1);

    await sink.write([event!], AbortSignal.timeout(5000));
    await sink.close();

    const [row] = await query<Record<string, unknown>>(
      `SELECT vendor, command, type, source, time, appid, fromaccount, toaccount, groupid, convtype, messageid, sendfailed,
              event->'data'->>'Big' AS big, event_text FROM public.messages WHERE id = $1`,
      [event!.attributes.id],
    );
    expect(row).toEqual({
      vendor: 'tencent',
      command: 'C2C.CallbackAfterSendMsg',
      type: 'com.tencent.im.C2C.CallbackAfterSendMsg',
      source: 'tencent-im/1400000001',
      time: new Date('2026-01-01T00:00:01Z'),
      appid: '1400000001',
      fromaccount: 'user_alice',
      toaccount: 'user_bob',
      groupid: null,
      convtype: 'c2c',
      messageid: event!.attributes.messageid,
      sendfailed: false,
      big: '12345678901234567890',
      event_text: null,
    });
    expect(await query('SELECT version FROM public.imgw_schema_version WHERE table_name = $1', ['public.messages'])).toEqual([{ version: 2 }]);
  });

  test('When poison events PostgreSQL cannot take as jsonb sit between good ones, then every one is stored, the poison ones as text, and the lane keeps moving', async () => {
    const table = 'poison_events';
    const config = settings({ table, batchSize: 100, retryInitialMs: 10, retryMaxMs: 20 });
    const sink = await createPostgresSink(config);
    const dir = mkdtempSync(join(tmpdir(), 'imgw-pg-poison-'));
    const spool = openSpool({ path: join(dir, 'spool.db'), sinks: ['postgres'] });
    const clock = { now: TEST_NOW_MS };
    const dispatcher = createDispatcher({ spool, lanes: [{ ...config, sink }], metrics: createMetrics(new Registry(), ['postgres']), logger: pino({ level: 'silent' }), clock: () => clock.now, idleMs: 10 });
    const [good1, nul, lone, farTime, deep, nulAccount, longAccount, good2, good3] = contractEvents(9) as Event[];
    const poison: Event[] = [
      { ...nul!, data: '{"Text":"a\\u0000b"}' },
      { ...lone!, data: '{"Text":"\\ud800"}' },
      { ...farTime!, attributes: { ...farTime!.attributes, time: '+275760-09-13T00:00:00.000Z' } },
      { ...deep!, data: `${'['.repeat(100_000)}${']'.repeat(100_000)}` },
      { ...nulAccount!, attributes: { ...nulAccount!.attributes, fromaccount: 'eve\u0000\ud800' } },
      { ...longAccount!, attributes: { ...longAccount!.attributes, fromaccount: 'é'.repeat(5000) } },
    ];
    try {
      for (const event of [good1!, ...poison, good2!]) await spool.append(event, clock.now);
      dispatcher.start();
      await until(() => spool.backlog().length === 0, { step: () => (clock.now += 1000) });
      await spool.append(good3!, clock.now);
      await until(() => spool.backlog().length === 0, { step: () => (clock.now += 1000) });

      const rows = await query<{ id: string; stored: string; text: string | null; time: Date | null; fromaccount: string }>(
        `SELECT id, CASE WHEN event IS NULL THEN 'text' ELSE 'jsonb' END AS stored, event_text AS text, time, fromaccount FROM ${table} ORDER BY seq`,
      );
      const byId = new Map(rows.map((row) => [row.id, row]));
      expect(rows.map((row) => row.id).sort()).toEqual([good1!, ...poison, good2!, good3!].map((e) => e.attributes.id).sort());
      expect(spool.deadLetterCounts()).toEqual([]);
      expect(byId.get(nul!.attributes.id)).toMatchObject({ stored: 'text', text: eventToJson(poison[0]!) });
      expect(byId.get(lone!.attributes.id)).toMatchObject({ stored: 'text', text: eventToJson(poison[1]!) });
      expect(byId.get(farTime!.attributes.id)).toMatchObject({ stored: 'jsonb', time: null });
      expect(byId.get(deep!.attributes.id)).toMatchObject({ stored: 'text', text: eventToJson(poison[3]!) });
      expect(byId.get(nulAccount!.attributes.id)).toMatchObject({ stored: 'text', fromaccount: 'eve\uFFFD\uFFFD' });
      expect(byId.get(longAccount!.attributes.id)?.fromaccount).toBe('é'.repeat(256));
      for (const good of [good1!, good2!, good3!]) expect(byId.get(good.attributes.id)).toMatchObject({ stored: 'jsonb', text: null });
    } finally {
      await dispatcher.stop();
      await sink.close();
      spool.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('When PostgreSQL refuses one row for good, then only that event is dead-lettered and its neighbours are stored', async () => {
    const table = 'guarded_events';
    const config = settings({ table, retryInitialMs: 10, retryMaxMs: 20 });
    const sink = await createPostgresSink(config);
    await sink.write(contractEvents(1), AbortSignal.timeout(5000));
    await query(`ALTER TABLE ${table} ADD CONSTRAINT no_mallory CHECK (fromaccount IS DISTINCT FROM 'mallory')`);
    const dir = mkdtempSync(join(tmpdir(), 'imgw-pg-refused-'));
    const spool = openSpool({ path: join(dir, 'spool.db'), sinks: ['postgres'] });
    const clock = { now: TEST_NOW_MS };
    const dispatcher = createDispatcher({ spool, lanes: [{ ...config, sink }], metrics: createMetrics(new Registry(), ['postgres']), logger: pino({ level: 'silent' }), clock: () => clock.now, idleMs: 10 });
    const [before, refused, after] = contractEvents(3) as Event[];
    try {
      for (const event of [before!, { ...refused!, attributes: { ...refused!.attributes, fromaccount: 'mallory' } }, after!]) await spool.append(event, clock.now);
      dispatcher.start();
      await until(() => spool.backlog().length === 0, { step: () => (clock.now += 1000) });

      const stored = (await query<{ id: string }>(`SELECT id FROM ${table}`)).map((row) => row.id);
      expect(stored).toEqual(expect.arrayContaining([before!.attributes.id, after!.attributes.id]));
      expect(stored).not.toContain(refused!.attributes.id);
      expect(spool.admin.exceptions('dead').map((row) => row.last_error)).toEqual([
        expect.stringMatching(/^PostgreSQL refused the event: .*no_mallory.* \(SQLSTATE 23514\)$/),
      ]);
    } finally {
      await dispatcher.stop();
      await sink.close();
      spool.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('When the table was created by the version 1 sink, then at start it is migrated to the common columns with its rows, once', async () => {
    const table = 'legacy_events';
    await query(v1Ddl(table));
    await query(
      `INSERT INTO ${table} (id, type, source, time, sdkappid, from_account, to_account, group_id, msg_key, msg_time, event) VALUES
       ('c2c-1', 'com.tencent.im.C2C.CallbackAfterSendMsg', 'tencent-im/1400000001', '2026-01-01T00:00:01Z', '1400000001', 'alice', 'bob', NULL, '1_2_3', '2026-01-01T00:00:01Z',
        '{"id":"c2c-1","vendor":"tencent","command":"C2C.CallbackAfterSendMsg","sdkappid":"1400000001","msgkey":"1_2_3","msgtime":1767225601,"sendresult":20006,"data":{}}'),
       ('group-1', 'com.tencent.im.Group.CallbackAfterSendMsg', 'tencent-im/1400000001', '2026-01-01T00:00:02Z', '1400000001', 'carol', NULL, '@TGS#1', NULL, '2026-01-01T00:00:02Z',
        '{"id":"group-1","command":"Group.CallbackAfterSendMsg","sdkappid":"1400000001","msgseq":42,"data":{}}')`,
    );

    const sinks = await Promise.all([sinkFor({ table }), sinkFor({ table })]);
    const [fresh] = contractEvents(1);
    await Promise.all(sinks.map((sink) => sink.write([fresh!], AbortSignal.timeout(5000))));
    await Promise.all(sinks.map((sink) => sink.close()));
    const again = await sinkFor({ table });
    await again.write(contractEvents(1), AbortSignal.timeout(5000));
    await again.close();

    const rows = await query<Record<string, unknown>>(
      `SELECT id, vendor, command, appid, fromaccount, toaccount, groupid, convtype, messageid, sendfailed, time FROM ${table} WHERE id IN ('c2c-1', 'group-1') ORDER BY seq`,
    );
    expect(rows).toEqual([
      { id: 'c2c-1', vendor: 'tencent', command: 'C2C.CallbackAfterSendMsg', appid: '1400000001', fromaccount: 'alice', toaccount: 'bob', groupid: null, convtype: 'c2c', messageid: '1_2_3', sendfailed: true, time: new Date('2026-01-01T00:00:01Z') },
      { id: 'group-1', vendor: 'tencent', command: 'Group.CallbackAfterSendMsg', appid: '1400000001', fromaccount: 'carol', toaccount: null, groupid: '@TGS#1', convtype: 'group', messageid: '42', sendfailed: null, time: new Date('2026-01-01T00:00:02Z') },
    ]);
    expect(await query(`SELECT count(*)::int AS n FROM ${table} WHERE id = $1`, [fresh!.attributes.id])).toEqual([{ n: 1 }]);
    const columnNames = (await query<{ name: string }>(`SELECT attname AS name FROM pg_attribute WHERE attrelid = '${table}'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`)).map((c) => c.name);
    expect(columnNames.sort()).toEqual(
      ['id', 'seq', 'vendor', 'command', 'type', 'source', 'time', 'appid', 'fromaccount', 'toaccount', 'groupid', 'convtype', 'messageid', 'sendfailed', 'received_at', 'event', 'event_text'].sort(),
    );
    expect(await query('SELECT version FROM imgw_schema_version WHERE table_name = $1', [table])).toEqual([{ version: 2 }]);
    expect(await query(`SELECT obj_description('${table}'::regclass, 'pg_class') AS comment`)).toEqual([{ comment: 'IM callback gateway events, schema version 2' }]);
    expect(await query(`SELECT indexname, indexdef FROM pg_indexes WHERE tablename = '${table}' AND indexname LIKE '%_from_idx'`)).toEqual([
      { indexname: 'legacy_events_from_idx', indexdef: expect.stringContaining('(appid, fromaccount, "time")') },
    ]);
  });

  test('When the table records a newer schema version, then writes fail instead of writing an older layout', async () => {
    const table = 'future_events';
    await query('CREATE TABLE IF NOT EXISTS imgw_schema_version (table_name text PRIMARY KEY, version integer NOT NULL, migrated_at timestamptz NOT NULL DEFAULT now())');
    await query('INSERT INTO imgw_schema_version (table_name, version) VALUES ($1, 3)', [table]);
    const sink = await sinkFor({ table });

    await expect(sink.write(contractEvents(1), AbortSignal.timeout(5000))).rejects.toThrow('future_events has schema version 3, newer than this gateway\'s 2');
    await sink.close();
  });

  test('When the table name is not a plain identifier, then the configuration is refused', () => {
    expect(postgresSinkConfig.safeParse({ type: 'postgres', table: 'events; drop table x' }).success).toBe(false);
  });
});

/** The table as the version 1 sink created it. */
function v1Ddl(table: string): string {
  return `
CREATE TABLE ${table} (
  id text PRIMARY KEY, seq bigserial NOT NULL, type text NOT NULL, source text NOT NULL, time timestamptz NOT NULL,
  sdkappid text, from_account text, to_account text, group_id text, msg_key text, msg_time timestamptz,
  received_at timestamptz NOT NULL DEFAULT now(), event jsonb NOT NULL
);
CREATE INDEX ${table}_seq_idx ON ${table} (seq);
CREATE INDEX ${table}_time_idx ON ${table} (time);
CREATE INDEX ${table}_from_idx ON ${table} (sdkappid, from_account, time);
CREATE INDEX ${table}_to_idx ON ${table} (sdkappid, to_account, time);
CREATE INDEX ${table}_group_idx ON ${table} (sdkappid, group_id, time) WHERE group_id IS NOT NULL;`;
}
