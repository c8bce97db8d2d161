import { isIP } from 'node:net';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import pino from 'pino';
import YAML from 'yaml';
import { loadConfig } from '../../src/config';
import { startService, type RunningService } from '../../src/service';
import { allFixtures } from '../helpers/fixtures';
import { startNats, startPostgres, startRedis, type TestServer } from '../helpers/servers';
import { tempDataDir } from '../helpers/service';
import { until } from '../helpers/wait';
import { callbackPath, TEST_TOKEN } from '../helpers/tencent';
import { startWebhookReceiver } from '../helpers/webhook-receiver';

const example = YAML.parse(readFileSync(join(__dirname, '..', '..', 'examples', 'all-sinks.yaml'), 'utf8')) as { sinks: Record<string, unknown>[] };
const secret = example.sinks.find((sink) => sink.type === 'http')!.secret as string;
// Fixtures that are the same message as another one (same natural key) are duplicates: posted once.
const fixtures = allFixtures().filter((fixture) => fixture.sameMessageAs === undefined);
type Record_ = Record<string, unknown>;

describe('examples/all-sinks.yaml end to end', () => {
  const servers: TestServer[] = [];
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let service: RunningService;
  let dataDir: string;

  beforeAll(async () => {
    servers.push(await startNats(4222), await startRedis(6379), await startPostgres(5432));
    receiver = await startWebhookReceiver(secret, 9999);
    dataDir = tempDataDir();
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, TENCENT_SDKAPPIDS: '1400000001', TENCENT_CALLBACK_TOKENS: TEST_TOKEN }, example);
    service = await startService(config, pino({ level: 'silent' }));
  }, 60_000);
  afterAll(async () => {
    await service?.stop();
    await receiver?.destroy();
    for (const server of servers) await server.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function readAll(): Promise<Record<string, Record_[]>> {
    const nc = await connect({ servers: 'nats://127.0.0.1:4222' });
    const jsm = await jetstreamManager(nc);
    const count = (await jsm.streams.info('IM_EVENTS')).state.messages;
    const consumer = await jsm.consumers.add('IM_EVENTS', { ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.All, inactive_threshold: 5e9 });
    const nats: Record_[] = [];
    if (count > 0) {
      for await (const m of await (await jetstream(nc).consumers.get('IM_EVENTS', consumer.name)).fetch({ max_messages: count, expires: 2000 })) {
        nats.push(JSON.parse(m.string()) as Record_);
        if (nats.length >= count) break;
      }
    }
    await nc.close();
    const redis = new Redis('redis://127.0.0.1:6379');
    const entries = await redis.xrange('im:tencent:events', '-', '+');
    redis.disconnect();
    const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
    await client.connect();
    const rows = await client.query('SELECT event FROM im_events ORDER BY seq').catch(() => ({ rows: [] }));
    await client.end();
    const file = readFileSync(join(dataDir, 'events.jsonl'), 'utf8').split('\n').filter(Boolean);
    return {
      file: file.map((line) => JSON.parse(line) as Record_),
      http: receiver.events(),
      nats,
      redis: entries.map(([, fields]) => JSON.parse(fields[fields.indexOf('event') + 1]!) as Record_),
      postgres: rows.rows.map((row) => row.event as Record_),
    };
  }

  test('When every fixture is posted signed, then each sink holds each event once, identical field by field to what was sent', async () => {
    for (const fixture of fixtures) {
      const res = await fetch(`http://127.0.0.1:${service.port}${callbackPath(fixture.query, { requestTime: Math.floor(Date.now() / 1000) })}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(fixture.body),
      });
      expect(await res.json()).toEqual({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' });
    }

    let stored: Record<string, Record_[]> = {};
    await until(async () => {
      stored = await readAll();
      return Object.values(stored).every((events) => events.length >= fixtures.length);
    }, 30_000);

    const reference = stored.file!;
    expect(reference).toHaveLength(fixtures.length);
    for (const [sink, events] of Object.entries(stored)) {
      expect({ sink, count: events.length }).toEqual({ sink, count: fixtures.length });
      const byId = new Map(events.map((event) => [event.id, event]));
      for (const expected of reference) expect({ sink, event: byId.get(expected.id) }).toEqual({ sink, event: expected });
    }
    for (const fixture of fixtures) {
      const event = reference.find((e) => JSON.stringify(e.data) === JSON.stringify(fixture.body));
      expect({ fixture: fixture.name, found: event !== undefined }).toEqual({ fixture: fixture.name, found: true });
      expect(event).toMatchObject({
        specversion: '1.0',
        source: 'tencent-im/1400000001',
        type: `com.tencent.im.${fixture.query.CallbackCommand}`,
        sdkappid: '1400000001',
        command: fixture.query.CallbackCommand,
      });
      // Attributes the callback does not carry (or carries empty or invalid) are absent, never null.
      const platform = fixture.query.OptPlatform || undefined;
      const clientip = isIP(fixture.query.ClientIP ?? '') ? fixture.query.ClientIP : undefined;
      expect({ platform: event!.platform, clientip: event!.clientip }).toEqual({ platform, clientip });
      if (platform === undefined) expect(event).not.toHaveProperty('platform');
      if (clientip === undefined) expect(event).not.toHaveProperty('clientip');
      if (fixture.body.MsgKey !== undefined) expect(event!.msgkey).toBe(fixture.body.MsgKey);
      if (fixture.body.From_Account !== undefined) expect(event!.fromaccount).toBe(fixture.body.From_Account);
    }
    const failed = reference.filter((e) => e.sendresult !== undefined && e.sendresult !== '0');
    expect(failed.map((e) => (e.data as Record_).MsgKey)).toEqual(['666_13_1767226200']);
  }, 60_000);
});
