import pg from 'pg';
import { createPostgresSink, postgresSinkConfig } from '../../../src/sinks/postgres-sink';
import { startPostgres, type TestServer } from '../../helpers/servers';
import { contractEvents, describeSinkContract } from '../../helpers/sink-contract';

let server: TestServer;
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(() => server.destroy());

async function query<T>(sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

const sinkFor = (settings: Record<string, unknown> = {}) =>
  createPostgresSink(postgresSinkConfig.parse({ type: 'postgres', connectionString: server.url, timeoutMs: 3000, ...settings }));

describeSinkContract('postgres', () => ({
  makeSink: sinkFor,
  readBack: async () => (await query<{ event: Record<string, unknown> }>('SELECT event FROM im_events ORDER BY seq')).map((r) => r.event),
  dedupes: true,
  stop: () => server.stop(),
  start: () => server.start(),
}));

describe('postgres sink', () => {
  test('When an event is inserted, then the query columns are filled from its attributes and jsonb keeps big numbers', async () => {
    const sink = await sinkFor({ table: 'public.messages' });
    const [event] = contractEvents(1);

    await sink.write([event!], AbortSignal.timeout(5000));
    await sink.close();

    const [row] = await query<Record<string, unknown>>(
      `SELECT type, source, sdkappid, from_account, to_account, group_id, msg_key, msg_time, time, event->'data'->>'Big' AS big FROM public.messages WHERE id = '${event!.attributes.id}'`,
    );
    expect(row).toEqual({
      type: 'com.tencent.im.C2C.CallbackAfterSendMsg',
      source: 'tencent-im/1400000001',
      sdkappid: '1400000001',
      from_account: 'user_alice',
      to_account: 'user_bob',
      group_id: null,
      msg_key: event!.attributes.msgkey,
      msg_time: new Date('2026-01-01T00:00:01Z'),
      time: new Date('2026-01-01T00:00:01Z'),
      big: '12345678901234567890',
    });
  });

  test('When the table name is not a plain identifier, then the configuration is refused', () => {
    expect(postgresSinkConfig.safeParse({ type: 'postgres', table: 'events; drop table x' }).success).toBe(false);
  });
});
