import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import type { RunningService } from '../../src/service';
import { startNats, startPostgres, type TestServer } from '../helpers/servers';
import { startTestService, tempDataDir } from '../helpers/service';
import { until } from '../helpers/wait';
import { expectValidCloudEvent } from '../helpers/vendor-contract';
import { neteaseFixture, neteaseFixtures, testAppKey, testSecret } from '../unit/vendors/netease/fixtures';

type Stored = Record<string, unknown>;
const fixtures = neteaseFixtures();
const events = fixtures.filter((f) => f.expect.kind === 'event' && !/^n[56]-/.test(f.name));

describe('NetEase end to end through the file, NATS and PostgreSQL sinks', () => {
  let nats: TestServer;
  let postgres: TestServer;
  let service: RunningService;
  let dataDir: string;

  beforeAll(async () => {
    [nats, postgres] = await Promise.all([startNats(), startPostgres()]);
    dataDir = tempDataDir();
    const file = {
      sinks: [
        { type: 'file' },
        { type: 'nats', servers: nats.url, subject: 'im.{vendor}.{command}', stream: { name: 'IM_EVENTS', subjects: ['im.>'] } },
        { type: 'postgres', connectionString: postgres.url, table: 'im_events' },
      ],
    };
    service = await startTestService(dataDir, file, undefined, { NETEASE_APP_SECRETS: testSecret, NETEASE_APP_KEY: testAppKey });
  }, 60_000);
  afterAll(async () => {
    await service?.stop();
    await Promise.all([nats?.destroy(), postgres?.destroy()]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function readAll(): Promise<Record<'file' | 'nats' | 'postgres', Stored[]> & { subjects: string[]; rows: Stored[] }> {
    const nc = await connect({ servers: nats.url });
    const jsm = await jetstreamManager(nc);
    const count = await jsm.streams.info('IM_EVENTS').then((info) => info.state.messages, () => 0);
    const fromNats: Stored[] = [];
    const subjects: string[] = [];
    if (count > 0) {
      const consumer = await jsm.consumers.add('IM_EVENTS', { ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.All, inactive_threshold: 5e9 });
      for await (const m of await (await jetstream(nc).consumers.get('IM_EVENTS', consumer.name)).fetch({ max_messages: count, expires: 2000 })) {
        fromNats.push(JSON.parse(m.string()) as Stored);
        subjects.push(m.subject);
        if (fromNats.length >= count) break;
      }
    }
    await nc.close();
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    const rows = await client.query('SELECT * FROM im_events ORDER BY seq').then((r) => r.rows as Stored[], () => []);
    await client.end();
    const lines = (() => {
      try {
        return readFileSync(join(dataDir, 'events.jsonl'), 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    })();
    return { file: lines.map((line) => JSON.parse(line) as Stored), nats: fromNats, postgres: rows.map((row) => row.event as Stored), subjects, rows };
  }

  test('When every fixture, a duplicate, the probe and a forgery are posted, then each sink holds each event once, as sent', async () => {
    const post = async (headers: Readonly<Record<string, string | undefined>>, body: Buffer) => {
      const res = await fetch(`http://127.0.0.1:${service.port}/netease/callback`, { method: 'POST', headers: headers as Record<string, string>, body });
      return { status: res.status, body: (await res.json()) as Stored };
    };
    const n1 = neteaseFixture('n1-p2p-text');

    for (const fixture of events) expect({ fixture: fixture.name, reply: await post(fixture.head.headers, fixture.body) }).toEqual({ fixture: fixture.name, reply: { status: 200, body: { code: 200, outcome: 'accepted' } } });
    expect(await post(neteaseFixture('n6-odd-whitespace').head.headers, neteaseFixture('n6-odd-whitespace').body)).toEqual({ status: 200, body: { code: 200, outcome: 'duplicate' } });
    expect(await post(neteaseFixture('n4-probe').head.headers, neteaseFixture('n4-probe').body)).toEqual({ status: 200, body: { code: 200, outcome: 'ignored' } });
    expect((await post(n1.head.headers, Buffer.from(n1.body.toString('utf8').replace('Bob!', 'B0b!')))).status).toBe(401);

    let stored = await readAll();
    await until(async () => {
      stored = await readAll();
      return [stored.file, stored.nats, stored.postgres].every((list) => list.length >= events.length);
    }, 30_000);

    for (const sink of ['file', 'nats', 'postgres'] as const) expect({ sink, count: stored[sink].length }).toEqual({ sink, count: events.length });
    const byId = (list: Stored[]) => new Map(list.map((event) => [event.id, event]));
    for (const reference of stored.file) {
      expect(byId(stored.nats).get(reference.id)).toEqual(reference);
      expect(byId(stored.postgres).get(reference.id)).toEqual(reference);
    }
    for (const fixture of events) {
      const event = stored.file.find((e) => JSON.stringify(e.data) === JSON.stringify(JSON.parse(fixture.body.toString('utf8'))));
      expect({ fixture: fixture.name, found: event !== undefined }).toEqual({ fixture: fixture.name, found: true });
      const { data, ...attributes } = event!;
      expectValidCloudEvent({ attributes: attributes as never, data: fixture.body.toString('utf8') }, fixture.body, 'netease');
      expect(data).toEqual(JSON.parse(fixture.body.toString('utf8')));
    }
    expect(new Set(stored.subjects)).toEqual(new Set(stored.nats.map((e) => `im.netease.${e.command as string}`)));
    expect(stored.subjects).toContain('im.netease.conversation');
    const row = stored.rows.find((r) => r.messageid === '6120031988331');
    expect(row).toMatchObject({ vendor: 'netease', command: 'conversation', appid: testAppKey, fromaccount: 'user_alice', toaccount: 'user_bob', convtype: 'c2c', sendfailed: false });
    expect(stored.rows.find((r) => r.messageid === '171450683457798182' && r.command === 'conversation')).toMatchObject({ groupid: '3001', convtype: 'group' });
  }, 90_000);
});
