import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { startService, type RunningService } from '../../src/service';
import { createSinkHealth } from '../../src/sinks/health';
import { buildSink } from '../../src/sinks/registry';
import { sinkConfigSchema } from '../../src/sinks/registry';
import type { Sink } from '../../src/sinks/sink';
import { startEasemobStandin, type EasemobStandin } from '../helpers/easemob-standin';
import { loadFixture } from '../helpers/fixtures';
import { postCallback } from '../helpers/process';
import { freePort, startNats, startPostgres, startRedis, type TestServer } from '../helpers/servers';
import { until } from '../helpers/wait';
import { TEST_TOKEN } from '../helpers/tencent';

const dataDir = mkdtempSync(join(tmpdir(), 'imgw-sink-health-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Builds a sink as the service does (through the registry) and closes it after the test. */
const opened: Sink[] = [];
afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((sink) => sink.close()));
});
async function sinkFor(settings: Record<string, unknown>): Promise<Sink> {
  const sink = await buildSink(sinkConfigSchema.parse(settings), { dataDir, relayKeys: ['health-test-relay-key-0123456789abcdef01'] });
  opened.push(sink);
  return sink;
}
/** The check's outcome: undefined when it passed, else the rejection's message. */
async function checkOf(sink: Sink, timeoutMs = 10_000): Promise<string | undefined> {
  expect(sink.check).toBeDefined();
  return sink.check!(AbortSignal.timeout(timeoutMs)).then(
    () => undefined,
    (error: unknown) => (error instanceof Error ? error.message : String(error)),
  );
}
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('sink health checks: http', () => {
  let server: Server;
  let port: number;
  const methods: string[] = [];
  beforeAll(async () => {
    port = await freePort();
    // A receiver that accepts only POST: any HTTP answer, even 405, proves it is reachable.
    server = createServer((req, res) => {
      methods.push(req.method ?? '');
      res.writeHead(req.method === 'POST' ? 200 : 405).end();
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('When the receiver answers (here 405 to HEAD), then the check passes with one HEAD request', async () => {
    methods.length = 0;
    const sink = await sinkFor({ type: 'http', url: `http://127.0.0.1:${port}/events` });

    expect(await checkOf(sink)).toBeUndefined();
    expect(methods).toEqual(['HEAD']);
  });

  test('When nothing listens, then the check rejects naming the address and the refusal, never the query', async () => {
    const closed = await freePort();
    const sink = await sinkFor({ type: 'http', url: `http://127.0.0.1:${closed}/events?token=s3cret` });

    const problem = await checkOf(sink);

    expect(problem).toMatch(new RegExp(`^HEAD http://127\\.0\\.0\\.1:${closed}/events failed: .*ECONNREFUSED`));
    expect(problem).not.toContain('s3cret');
  });

  test('When the host name does not resolve, then the check says so', async () => {
    const sink = await sinkFor({ type: 'http', url: 'http://imgw-no-such-host.invalid/events' });

    expect(await checkOf(sink)).toMatch(/^HEAD http:\/\/imgw-no-such-host\.invalid\/events failed: .*(ENOTFOUND|EAI_AGAIN)/);
  });
});

describe('sink health checks: nats', () => {
  let nats: TestServer;
  let plain: TestServer;
  beforeAll(async () => {
    [nats, plain] = await Promise.all([startNats(), startNats(undefined, { jetStream: false })]);
  });
  afterAll(async () => {
    await Promise.all([nats.destroy(), plain.destroy()]);
  });

  test('When the server runs JetStream, then the check passes and creates the configured stream as a write would', async () => {
    const sink = await sinkFor({ type: 'nats', servers: nats.url, stream: { name: 'CHECKED', subjects: ['checked.>'] } });

    const problem = await checkOf(sink);

    const nc = await connect({ servers: nats.url });
    const info = await (await jetstreamManager(nc)).streams.info('CHECKED').finally(() => nc.close());
    expect(problem).toBeUndefined();
    expect(info.config.subjects).toEqual(['checked.>']);
  });

  test('When the server is stopped, then the check rejects naming the address and the cause, never the credentials', async () => {
    const own = await startNats();
    await own.stop();
    try {
      const sink = await sinkFor({ type: 'nats', servers: own.url, user: 'imgw', pass: 'hunter2' });

      const problem = await checkOf(sink);

      expect(problem).toMatch(new RegExp(`^NATS at nats://127\\.0\\.0\\.1:${own.port}: .*(ECONNREFUSED|connection refused)`, 'i'));
      expect(problem).not.toContain('hunter2');
    } finally {
      await own.destroy();
    }
  });

  test('When the server stops after the sink connected, then the check fails naming the server and the lost connection; when it is back, the check passes', async () => {
    const own = await startNats();
    try {
      const sink = await sinkFor({ type: 'nats', servers: own.url, stream: { name: 'COMEBACK', subjects: ['comeback.>'] } });
      expect(await checkOf(sink)).toBeUndefined();
      await own.stop();

      const down = await checkOf(sink, 1000);
      await own.start();
      await until(async () => (await checkOf(sink, 1000)) === undefined);

      expect(down).toMatch(new RegExp(`^NATS at ${escape(own.url)}: .*\\(the connection to ${escape(own.url)} is down; reconnecting\\)$`));
    } finally {
      await own.destroy();
    }
  });

  test('When the server has no JetStream, then the check says exactly so, with or without a stream to create', async () => {
    const publishOnly = await sinkFor({ type: 'nats', servers: plain.url });
    const withStream = await sinkFor({ type: 'nats', name: 'nats-stream', servers: plain.url, stream: { name: 'NOJS' } });

    const problems = [await checkOf(publishOnly), await checkOf(withStream)];

    for (const problem of problems) {
      expect(problem).toBe(`NATS at ${plain.url}: JetStream is not enabled on this server or account (start nats-server with -js)`);
    }
  });
});

describe('sink health checks: redis', () => {
  let redis: TestServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis.destroy());

  test('When the server answers PING, then the check passes', async () => {
    const sink = await sinkFor({ type: 'redis', url: redis.url });

    expect(await checkOf(sink)).toBeUndefined();
  });

  test('When nothing listens, then the check rejects naming the address and the refusal, never the password', async () => {
    const closed = await freePort();
    const sink = await sinkFor({ type: 'redis', url: `redis://:hunter2@127.0.0.1:${closed}/0` });

    const problem = await checkOf(sink);

    expect(problem).toMatch(new RegExp(`^Redis at redis://127\\.0\\.0\\.1:${closed}/0: .*connect ECONNREFUSED 127\\.0\\.0\\.1:${closed}`));
    expect(problem).not.toContain('hunter2');
  });

  test('When the server stops after the sink connected, then the check fails; when it is back, the check passes again', async () => {
    const own = await startRedis();
    try {
      const sink = await sinkFor({ type: 'redis', url: own.url });
      expect(await checkOf(sink)).toBeUndefined();
      await own.stop();

      const down = await checkOf(sink);
      await own.start();
      await until(async () => (await checkOf(sink)) === undefined);

      expect(down).toMatch(new RegExp(`^Redis at redis://127\\.0\\.0\\.1:${own.port}: `));
    } finally {
      await own.destroy();
    }
  });
});

describe('sink health checks: postgres', () => {
  let postgres: TestServer;
  beforeAll(async () => {
    postgres = await startPostgres();
  }, 60_000);
  afterAll(() => postgres.destroy());

  test('When the server answers, then the check passes and the table is there (migrated as a write would)', async () => {
    const sink = await sinkFor({ type: 'postgres', connectionString: postgres.url, table: 'checked_events' });

    const problem = await checkOf(sink);

    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    const found = (await client.query<{ t: string | null }>(`SELECT to_regclass('checked_events')::text AS t`).finally(() => client.end())).rows[0]?.t;
    expect(problem).toBeUndefined();
    expect(found).toBe('checked_events');
  });

  test('When migrate is off and the table is missing, then the check says which table', async () => {
    const sink = await sinkFor({ type: 'postgres', connectionString: postgres.url, table: 'never_created', migrate: false });

    expect(await checkOf(sink)).toBe(`PostgreSQL at ${postgres.url.replace('postgres@', '')}: table never_created does not exist (migrate is off: create it as the README shows)`);
  });

  test('When nothing listens, then the check rejects naming the address and the refusal, never the password', async () => {
    const closed = await freePort();
    const sink = await sinkFor({ type: 'postgres', connectionString: `postgres://imgw:hunter2@127.0.0.1:${closed}/events` });

    const problem = await checkOf(sink);

    expect(problem).toMatch(new RegExp(`^PostgreSQL at postgres://127\\.0\\.0\\.1:${closed}/events: .*ECONNREFUSED`));
    expect(problem).not.toContain('hunter2');
  });
});

describe('sink health checks: easemob and file', () => {
  let standin: EasemobStandin;
  beforeAll(async () => {
    standin = await startEasemobStandin();
  });
  afterAll(() => standin.close());
  const easemob = (baseUrl: string, clientSecret = standin.clientSecret) => ({
    type: 'easemob',
    baseUrl,
    appKey: standin.appKey,
    clientId: standin.clientId,
    clientSecret,
    targets: { users: { mode: 'same' } },
  });

  test('When the token endpoint answers, then the check passes with one token request, which the sends then use', async () => {
    const before = standin.tokenRequests().length;
    const sink = await sinkFor(easemob(standin.url));

    expect(await checkOf(sink)).toBeUndefined();
    expect(await checkOf(sink)).toBeUndefined();
    expect(standin.tokenRequests().length - before).toBe(1);
  });

  test('When the credentials are refused (400 invalid_grant), then the check fails with the answer, never the secret', async () => {
    const sink = await sinkFor({ ...easemob(standin.url, 'YXA6-wrong-secret'), name: 'easemob-wrong' });

    const problem = await checkOf(sink);

    expect(problem).toMatch(new RegExp(`^Easemob at ${escape(standin.url.replace(/\/$/, ''))}: .*HTTP 400 invalid_grant`));
    expect(problem).not.toContain('wrong-secret');
  });

  test('When nothing listens at the base URL, then the check names it and the refusal', async () => {
    const closed = await freePort();
    const sink = await sinkFor({ ...easemob(`http://127.0.0.1:${closed}`), name: 'easemob-closed' });

    expect(await checkOf(sink)).toMatch(new RegExp(`^Easemob at http://127\\.0\\.0\\.1:${closed}: .*ECONNREFUSED`));
  });

  test('When the file can be opened for appending, then the check passes; when its directory is gone, the check names the path and the cause', async () => {
    const dir = join(dataDir, 'file-check');
    const path = join(dir, 'events.jsonl');
    const sink = await sinkFor({ type: 'file', path });
    const passed = await checkOf(sink);
    rmSync(dir, { recursive: true });
    writeFileSync(dir, 'a file where the directory was');

    const problem = await checkOf(sink);
    rmSync(dir);
    mkdirSync(dir);

    expect(passed).toBeUndefined();
    expect(problem).toBe(`file ${path} cannot be written: ENOTDIR: not a directory, open '${path}'`);
  });
});

describe('the health watch itself', () => {
  const quiet = { warn: () => undefined, info: () => undefined };
  /** A sink whose check never settles and ignores its signal. */
  const stuck = (): Sink => ({ name: 'stuck', write: async () => undefined, check: () => new Promise<void>(() => undefined), close: async () => undefined });

  test('When a check ignores its signal and never settles, then the first round still ends at the bound with "no answer within"', async () => {
    const health = createSinkHealth({ sinks: [stuck()], logger: quiet, clock: Date.now, timeoutMs: 50 });

    await health.start();
    await health.stop();

    expect(health.problem('stuck')).toBe('no answer within 50 ms');
    expect(health.unreachable()).toEqual(['stuck']);
  });

  test('When the service stops while a check is in flight, then stop aborts it and resolves without waiting for the bound', async () => {
    const health = createSinkHealth({ sinks: [stuck()], logger: quiet, clock: Date.now, timeoutMs: 60_000 });
    const first = health.start();

    await health.stop();
    await first;

    expect(health.problem('stuck')).toBeUndefined();
  });
});

/** A data directory for a started service and a logger whose lines the test can read. */
function serviceScaffold() {
  const serviceDir = mkdtempSync(join(tmpdir(), 'imgw-sink-health-svc-'));
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  return { serviceDir, logs, logger };
}

describe('sink health at start and in /readyz', () => {
  const sample = loadFixture('c2c-after-send-official');

  test('When a sink is unreachable at start, then the service starts, warns naming the sink, address and cause, and /readyz is degraded until a re-check on the service clock finds it back', async () => {
    const nats = await startNats();
    await nats.stop();
    const plain = await startNats(undefined, { jetStream: false });
    const { serviceDir, logs, logger } = serviceScaffold();
    let now = Date.now();
    const config = loadConfig(
      { PORT: '0', HOST: '127.0.0.1', DATA_DIR: serviceDir, TENCENT_SDKAPPIDS: '1400000001', TENCENT_CALLBACK_TOKENS: TEST_TOKEN },
      {
        sinks: [
          // No event goes to the NATS sinks (filter): only a check can find them back.
          { type: 'nats', name: 'events', servers: nats.url, user: 'imgw', pass: 'hunter2', filter: { vendors: ['netease'] } },
          { type: 'nats', name: 'nojs', servers: plain.url, filter: { vendors: ['netease'] } },
          { type: 'memory', name: 'local' },
        ],
      },
    );
    let service: RunningService | undefined;
    const readyz = async () => {
      const res = await fetch(`http://127.0.0.1:${service!.port}/readyz`);
      return { status: res.status, body: (await res.json()) as { status: string; problems: string[]; degraded: string[] } };
    };
    const reachable = async (sink: string) =>
      new RegExp(`^imgw_sink_reachable\\{sink="${sink}"\\} (\\d)`, 'm').exec(await (await fetch(`http://127.0.0.1:${service!.port}/metrics`)).text())?.[1];
    const warnings = () => logs.filter((line) => line.level === 40 && typeof line.msg === 'string' && line.msg.startsWith('sink unreachable at start'));
    try {
      service = await startService(config, logger, () => now);
      const accepted = await postCallback(service.port, sample, sample.body);
      await until(() => warnings().length === 2);
      const degraded = await readyz();
      const gauges = [await reachable('events'), await reachable('nojs'), await reachable('local')];

      await nats.start();
      now += 30_000;
      await until(async () => (await readyz()).body.degraded.length === 1);
      const after = await readyz();
      const gaugeAfter = await reachable('events');

      expect(accepted.reply).toEqual({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' });
      const bySink = Object.fromEntries(warnings().map((line) => [line.sink, line.err]));
      expect(bySink.events).toMatch(new RegExp(`^NATS at nats://127\\.0\\.0\\.1:${nats.port}: .*(ECONNREFUSED|connection refused)`, 'i'));
      expect(bySink.nojs).toBe(`NATS at ${plain.url}: JetStream is not enabled on this server or account (start nats-server with -js)`);
      expect(JSON.stringify(logs)).not.toContain('hunter2');
      expect(degraded.status).toBe(200);
      expect(degraded.body.status).toBe('degraded');
      expect(degraded.body.problems).toEqual([]);
      expect(degraded.body.degraded).toEqual([`sink events unreachable: ${bySink.events}`, `sink nojs unreachable: ${bySink.nojs}`]);
      expect(gauges).toEqual(['0', '0', '1']);
      expect(after.body.degraded).toEqual([`sink nojs unreachable: ${bySink.nojs}`]);
      expect(gaugeAfter).toBe('1');
      expect(logs.some((line) => line.level === 30 && line.sink === 'events' && line.msg === 'sink reachable again (a check succeeded)')).toBe(true);
    } finally {
      await service?.stop();
      await Promise.all([nats.destroy(), plain.destroy()]);
      rmSync(serviceDir, { recursive: true, force: true });
    }
  });

  test('When a receiver takes connections but never answers, then the start waits for its check only up to the bound and names the address', async () => {
    const port = await freePort();
    const hanging = createServer(() => undefined);
    await new Promise<void>((resolve) => hanging.listen(port, '127.0.0.1', resolve));
    const { serviceDir, logs, logger } = serviceScaffold();
    const config = loadConfig(
      { PORT: '0', HOST: '127.0.0.1', DATA_DIR: serviceDir, TENCENT_SDKAPPIDS: '1400000001', TENCENT_CALLBACK_TOKENS: TEST_TOKEN },
      { sinks: [{ type: 'http', name: 'slow', url: `http://127.0.0.1:${port}/events` }] },
    );
    let service: RunningService | undefined;
    try {
      const started = performance.now();
      service = await startService(config, logger, () => Date.now());
      const startMs = performance.now() - started;

      const warning = logs.find((line) => line.level === 40 && line.sink === 'slow');
      expect(warning?.err).toBe(`HEAD http://127.0.0.1:${port}/events failed: no answer within 3000 ms`);
      expect(startMs).toBeLessThan(6000);
    } finally {
      await service?.stop();
      hanging.closeAllConnections();
      await new Promise<void>((resolve) => hanging.close(() => resolve()));
      rmSync(serviceDir, { recursive: true, force: true });
    }
  });

  test('When a sink unreachable at start takes a delivery once it is back, then its degraded entry clears before any re-check is due', async () => {
    const nats = await startNats();
    await nats.stop();
    const { serviceDir, logs, logger } = serviceScaffold();
    let now = Date.now();
    const config = loadConfig(
      { PORT: '0', HOST: '127.0.0.1', DATA_DIR: serviceDir, TENCENT_SDKAPPIDS: '1400000001', TENCENT_CALLBACK_TOKENS: TEST_TOKEN },
      { sinks: [{ type: 'nats', name: 'events', servers: nats.url, subject: 'im.events', stream: { name: 'EVENTS', subjects: ['im.>'] }, retryInitialMs: 100, retryMaxMs: 200 }] },
    );
    let service: RunningService | undefined;
    const degraded = async () => ((await (await fetch(`http://127.0.0.1:${service!.port}/readyz`)).json()) as { degraded: string[] }).degraded;
    try {
      service = await startService(config, logger, () => now);
      await until(async () => (await degraded()).length === 1);
      const accepted = await postCallback(service.port, sample, sample.body);

      await nats.start();
      now += 1000;
      await until(async () => (await degraded()).length === 0);

      const nc = await connect({ servers: nats.url });
      const stored = await (await jetstreamManager(nc)).streams.info('EVENTS').finally(() => nc.close());
      expect(accepted.reply).toEqual({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' });
      expect(stored.state.messages).toBe(1);
      expect(logs.filter((line) => line.sink === 'events' && String(line.msg).startsWith('sink reachable again')).map((line) => line.msg)).toEqual([
        'sink reachable again (a delivery succeeded)',
      ]);
    } finally {
      await service?.stop();
      await nats.destroy();
      rmSync(serviceDir, { recursive: true, force: true });
    }
  });
});
