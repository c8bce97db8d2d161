import Ajv2020 from 'ajv/dist/2020';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { routes } from '../../src/admin/routes';
import { loadConfig } from '../../src/config';
import { startService, type RunningService } from '../../src/service';
import { metricValue } from '../helpers/app';
import { loadFixture } from '../helpers/fixtures';
import { tempDataDir } from '../helpers/service';
import { callbackPath, TEST_TOKEN } from '../helpers/tencent';
import { until } from '../helpers/wait';

const sample = loadFixture('c2c-after-send-official');
const VIEWER = 'viewer-token-0123456789abcdef0123456789abcdef';
const OPERATOR = 'operator-token-fedcba9876543210fedcba9876543210';
const sha = (token: string) => createHash('sha256').update(token).digest('hex');

type Answer = { status: number; body: Record<string, unknown> & { items?: Record<string, unknown>[] } };

describe('admin API against a running service', () => {
  let dataDir: string;
  let service: RunningService;
  const logs: string[] = [];
  beforeAll(async () => {
    dataDir = tempDataDir();
    // The sink cannot write (its path is a directory): every event becomes a dead letter at once.
    mkdirSync(join(dataDir, 'out.jsonl'), { recursive: true });
    const config = loadConfig(
      {
        PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, TENCENT_SDKAPPIDS: '1400000001', TENCENT_CALLBACK_TOKENS: TEST_TOKEN,
        ADMIN_TOKENS: `alice:viewer:sha256:${sha(VIEWER)}\nbob:operator:sha256:${sha(OPERATOR)}`,
      },
      { sinks: [{ type: 'file', name: 'web', path: join(dataDir, 'out.jsonl'), maxAttempts: 1, circuitBreaker: { failureThreshold: 0 } }] },
    );
    service = await startService(config, pino({ level: 'info' }, { write: (line: string) => void logs.push(line) }));
    for (const key of ['a', 'b', 'c']) await post({ ...sample.body, MsgKey: key, From_Account: key === 'c' ? 'carol' : 'alice' });
    await post({ ...sample.body, MsgKey: 'bad', MsgBody: 'oops' });
    await until(async () => (await api('get', '/dead-letters', OPERATOR)).body.items?.length === 3);
  });
  afterAll(async () => {
    await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function post(body: Record<string, unknown>) {
    return fetch(`http://127.0.0.1:${service.port}${callbackPath(sample.query, { requestTime: Math.floor(Date.now() / 1000) })}`, { method: 'POST', body: JSON.stringify(body) });
  }
  async function api(method: 'get' | 'post', path: string, token?: string, body?: unknown): Promise<Answer> {
    const res = await fetch(`${service.adminUrl}${path}`, {
      method: method.toUpperCase(),
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Answer['body'] };
  }
  async function finished(answer: Answer): Promise<Record<string, unknown>> {
    expect(answer.status).toBe(202);
    const id = (answer.body.job as { id: string }).id;
    let job: Record<string, unknown> = {};
    await until(async () => ((job = (await api('get', `/jobs/${id}`, VIEWER)).body), job['state'] !== 'running'));
    expect(job['state']).toBe('done');
    return job['result'] as Record<string, unknown>;
  }

  test('When a client keeps its connection, then the admin listener keeps it idle as long as the callback port (65 s), not Node\'s 5 s', async () => {
    const res = await fetch(`${service.adminUrl}/openapi.json`);
    await res.arrayBuffer();

    expect(res.headers.get('keep-alive')).toBe('timeout=65');
  });

  test('When the API root is asked, then it serves an OpenAPI 3.1 document that names every route, whose schemas compile and describe real answers', async () => {
    const doc = (await api('get', '/')).body as { openapi: string; paths: Record<string, Record<string, { responses: Record<string, { content: { 'application/json': { schema: object } } }> }>> };
    const ajv = new Ajv2020({ strict: false });
    const schemaOf = (path: string, method: string) => doc.paths[path]![method]!.responses['200']!.content['application/json'].schema;

    expect(doc.openapi).toBe('3.1.0');
    for (const r of routes) expect(doc.paths[r.path.replace(/:(\w+)/g, '{$1}')]?.[r.method]).toBeDefined();
    for (const operations of Object.values(doc.paths)) for (const op of Object.values(operations)) for (const res of Object.values(op.responses)) ajv.compile(res.content['application/json'].schema);
    for (const [path, shown] of [['/stats', '/stats'], ['/dead-letters', '/dead-letters'], ['/events', '/events?sender=alice'], ['/audit', '/audit'], ['/sinks', '/sinks']] as const) {
      const validate = ajv.compile(schemaOf(path, 'get'));
      const answer = await api('get', shown, VIEWER);
      expect({ path, valid: validate(answer.body), errors: validate.errors ?? null }).toEqual({ path, valid: true, errors: null });
    }
  });

  test('When a token is missing, unknown or of the wrong role, then the API answers 401 or 403 and changes nothing', async () => {
    const missing = await api('get', '/stats');
    const wrong = await api('get', '/stats', 'not-a-token');
    const viewerChange = await api('post', '/dead-letters/redrive', VIEWER, {});
    const viewerRead = await api('get', '/stats', VIEWER);

    expect([missing.status, wrong.status, viewerChange.status, viewerRead.status]).toEqual([401, 401, 403, 200]);
    expect(viewerChange.body).toMatchObject({ error: 'forbidden' });
    expect((await api('get', '/dead-letters', VIEWER)).body.items).toHaveLength(3);
  });

  test('When a change arrives as a form or as text (a dry run sent without a JSON content type), then it is refused with 415 and changes nothing', async () => {
    const send = (path: string, type: string | undefined, body: string, token = OPERATOR) =>
      fetch(`${service.adminUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, ...(type ? { 'content-type': type } : {}) }, body }).then(async (res) => ({ status: res.status, body: (await res.json()) as Record<string, unknown> }));
    const quarantined = (await api('get', '/quarantine', VIEWER)).body.items?.length;

    // What `curl -d '{...}'` sends: the JSON text as a form.
    const form = await send('/dead-letters/drop', 'application/x-www-form-urlencoded', '{"sink":"web","dryRun":true}');
    const text = await send('/dead-letters/redrive', 'text/plain', '{"dryRun":true}');
    const untyped = await send('/quarantine/drop', undefined, '{"dryRun":true}');
    const empty = await send('/dead-letters/drop', undefined, '');
    const typed = await send('/dead-letters/drop', 'application/json; charset=utf-8', '{"sink":"web","dryRun":true}');

    expect([form.status, text.status, untyped.status, empty.status, typed.status]).toEqual([415, 415, 415, 415, 200]);
    expect(form.body).toEqual({ error: 'unsupported_media_type', message: expect.stringContaining('application/json') });
    expect(typed.body).toEqual({ dryRun: true, count: 3 });
    expect((await api('get', '/dead-letters', VIEWER)).body.items).toHaveLength(3);
    expect((await api('get', '/quarantine', VIEWER)).body.items).toHaveLength(quarantined ?? -1);
  });

  test('When a body comes without a valid token, then the answer is 401 whatever the body holds (it is not read first)', async () => {
    const res = await fetch(`${service.adminUrl}/dead-letters/drop`, { method: 'POST', headers: { authorization: 'Bearer not-a-token', 'content-type': 'application/json' }, body: '{not json' });

    expect(res.status).toBe(401);
  });

  test('When events are searched, then filters match and paging goes from newest to oldest; an event shows each sink\'s state', async () => {
    const alice = await api('get', '/events?sender=alice&limit=1', VIEWER);
    const older = await api('get', `/events?sender=alice&limit=1&after=${String(alice.body.next)}`, VIEWER);
    const carol = await api('get', '/events?conversation=carol', VIEWER);
    const seq = (carol.body.items![0] as { seq: number }).seq;
    const detail = await api('get', `/events/${seq}`, VIEWER);
    const missing = await api('get', '/events/999999', VIEWER);
    const bad = await api('get', '/events?limit=0', VIEWER);

    expect(alice.body.items!.map((e) => (e.event as { attributes: { msgkey: string } }).attributes.msgkey)).toEqual(['b']);
    expect(older.body.items!.map((e) => (e.event as { attributes: { msgkey: string } }).attributes.msgkey)).toEqual(['a']);
    expect(older.body.next).toBeUndefined();
    expect(carol.body.items).toHaveLength(1);
    expect(detail.body.sinks).toEqual([expect.objectContaining({ sink: 'web', state: 'dead', attempts: 1, lastError: expect.stringMatching(/EISDIR|illegal operation/) })]);
    expect([missing.status, bad.status]).toEqual([404, 400]);
  });

  test('When a cursor was not made by its list (forged, cut short, of another list, too large), then the answer is 400, not 500 and not an empty last page', async () => {
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const deadNext = (await api('get', '/dead-letters?limit=1', VIEWER)).body.next as string;
    const paths = [
      '/dead-letters?after=garbage!', `/dead-letters?after=${b64(null)}`, `/dead-letters?after=${b64({})}`, `/dead-letters?after=${b64([1, { a: 1 }, 3])}`, `/dead-letters?after=${deadNext.slice(0, -3)}`,
      '/events?after=abc', '/quarantine?after=abc', '/audit?after=-1', '/gaps?after=1.5', '/events?after=99999999999999999999999', `/events?after=${deadNext}`,
    ];
    const answers = await Promise.all(paths.map((path) => api('get', path, VIEWER)));

    expect(answers.map((a) => a.status)).toEqual(paths.map(() => 400));
    expect(answers[0]!.body).toEqual({ error: 'invalid', message: expect.stringContaining('not a cursor of this list') });
    expect((await api('get', `/dead-letters?limit=1&after=${deadNext}`, VIEWER)).body.items).toHaveLength(1);
    expect(logs.join('')).not.toContain('admin request failed');
  });

  test('When dead letters are redriven (a dry run first) and dropped, then the counts and the job are right and each change is audited under the token\'s name', async () => {
    const dry = await api('post', '/dead-letters/redrive', OPERATOR, { dryRun: true });
    const redriven = await finished(await api('post', '/dead-letters/redrive', OPERATOR, { sink: 'web' }));
    // The sink still cannot write: they come back as dead letters.
    await until(async () => (await api('get', '/dead-letters', VIEWER)).body.items?.length === 3);
    const oneSeq = ((await api('get', '/dead-letters?limit=1', VIEWER)).body.items![0] as { seq: number }).seq;
    const dropped = await finished(await api('post', '/dead-letters/drop', OPERATOR, { seqs: [oneSeq] }));
    const trail = await api('get', '/audit', VIEWER);

    expect(dry.body).toEqual({ dryRun: true, count: 3 });
    expect(redriven).toEqual({ count: 3 });
    expect(dropped).toEqual({ count: 1 });
    // A job is audited when it starts (what it will change) and when it ends (what it changed).
    expect(trail.body.items!.slice(0, 5)).toEqual([
      expect.objectContaining({ actor: 'bob', action: 'dlq.drop', count: 1, dryRun: false, target: { seqs: [oneSeq] } }),
      expect.objectContaining({ actor: 'bob', action: 'dlq.drop.started', count: 1, dryRun: false, target: { seqs: [oneSeq] } }),
      expect.objectContaining({ actor: 'bob', action: 'dlq.redrive', count: 3, dryRun: false, target: { sink: 'web' } }),
      expect.objectContaining({ actor: 'bob', action: 'dlq.redrive.started', count: 3, dryRun: false, target: { sink: 'web' } }),
      expect.objectContaining({ actor: 'bob', action: 'dlq.redrive', count: 3, dryRun: true }),
    ]);
    expect(await metricValue(service.registry, 'imgw_admin_audit_events_total', { action: 'dlq.redrive' })).toBe(2);
  });

  test('When quarantine, replay, pending and sink routes are used, then each answers as documented', async () => {
    const listed = await api('get', '/quarantine?vendor=tencent', VIEWER);
    const qid = (listed.body.items![0] as { qid: number }).qid;
    const shown = await api('get', `/quarantine/${qid}`, VIEWER);
    const redriven = await finished(await api('post', '/quarantine/redrive', OPERATOR, { qids: [qid] }));
    const droppedQ = await api('post', '/quarantine/drop', OPERATOR, { reason: 'invalid_payload' });
    const replayDry = await api('post', '/replay', OPERATOR, { since: '2000-01-01T00:00:00Z', sink: 'web', dryRun: true });
    const replayUnknown = await api('post', '/replay', OPERATOR, { since: 0, sink: 'nowhere' });
    const pending = await api('get', '/pending', VIEWER);
    const refused = await api('post', '/pending/drop', OPERATOR, { sink: 'web' });
    const paused = await api('post', '/sinks/web/pause', OPERATOR);
    const stats = await api('get', '/stats', VIEWER);
    const resumed = await api('post', '/sinks/web/resume', OPERATOR);
    const jobs = await api('get', '/jobs', VIEWER);
    const settings = await api('get', '/sinks', VIEWER);

    expect(shown.body).toMatchObject({ qid, vendor: 'tencent', reason: 'invalid_payload', body: expect.stringContaining('"oops"') });
    expect(redriven).toMatchObject({ stillInvalid: 1, accepted: 0 });
    expect(droppedQ.body).toEqual({ dryRun: false, count: 1 });
    expect(replayDry.body).toEqual({ dryRun: true, count: 3 });
    expect(replayUnknown).toMatchObject({ status: 400, body: { message: 'unknown sink: nowhere (configured: web)' } });
    expect(pending.body.items).toEqual(expect.any(Array));
    expect(refused).toMatchObject({ status: 409, body: { message: expect.stringMatching(/^sink web is configured/) } });
    expect([paused.body, resumed.body]).toEqual([{ sink: 'web', paused: true }, { sink: 'web', paused: false }]);
    expect(stats.body.pausedSinks).toEqual(['web']);
    expect((jobs.body.items ?? []).length).toBeGreaterThanOrEqual(3);
    expect(settings).toEqual({ status: 200, body: { items: [{ name: 'web', type: 'file', settings: expect.objectContaining({ path: join(dataDir, 'out.jsonl'), maxAttempts: 1, batchSize: 1000 }) }] } });
  });

  test('When one event is replayed by its log position, then only it is counted and queued; a replay with neither since nor seqs is refused', async () => {
    const seq = ((await api('get', '/events?sender=carol', VIEWER)).body.items![0] as { seq: number }).seq;

    const dry = await api('post', '/replay', OPERATOR, { sink: 'web', seqs: [seq], dryRun: true });
    const neither = await api('post', '/replay', OPERATOR, { sink: 'web' });

    expect(dry.body).toEqual({ dryRun: true, count: 1 });
    expect(neither.status).toBe(400);
    expect(neither.body.message).toContain('since');
    // Times past the year 9999, as digits or as a number, are refused like any other bad time.
    const far = await Promise.all([{ since: '99999999999999999999999' }, { since: 253_402_300_800_000 }].map((body) => api('post', '/replay', OPERATOR, { ...body, sink: 'web', dryRun: true })));
    expect(far.map((a) => a.status)).toEqual([400, 400]);
  });

  test('When a sequence gap wider than a million numbers is asked for, then it is refused; a million is counted', async () => {
    const body = (untilSeq: number) => ({ vendor: 'tencent', app: '1400000001', conversation: '@TGS#g', fromSeq: 1, untilSeq, dryRun: true });

    const wide = await api('post', '/gaps', OPERATOR, body(4_294_967_295));
    const million = await api('post', '/gaps', OPERATOR, body(1_000_000));

    expect(wide.status).toBe(400);
    expect(wide.body.message).toContain('at most 1000000');
    expect(million.body).toEqual({ dryRun: true, count: 1_000_000 });
  });

  test('When a client keeps presenting wrong tokens, then it is refused with 429 even with a good one, the failures are counted, and no token reaches the log', async () => {
    const answers: number[] = [];
    // Guesses at the samples other consoles read count with the API's (the same listener, one limit).
    const samples = (token: string) => fetch(`${service.adminUrl}/console/samples`, { headers: { authorization: `Bearer ${token}` } }).then((res) => res.status);
    for (let i = 0; i < 11; i += 1) answers.push(i % 2 ? await samples(`guess-${i}`) : (await api('get', '/stats', `guess-${i}`)).status);
    const good = await api('get', '/stats', OPERATOR);
    const goodSamples = await samples(OPERATOR);

    // Three failures came before (the missing and the wrong token, and the unauthenticated body): 10 are allowed.
    expect(answers.slice(0, 7)).not.toContain(429);
    expect(answers[10]).toBe(429);
    expect(good.status).toBe(429);
    expect(goodSamples).toBe(429);
    // A console key of Latin-1 characters (two bytes each in UTF-8) is a wrong key, not a 500.
    const oddKey = await fetch(`${service.adminUrl}/stats`, { headers: { authorization: `Bearer ${OPERATOR}`, 'x-imgw-console-key': '\u00e9'.repeat(43) } });
    expect(oddKey.status).toBe(429);
    // The local CLI's token (only the data directory holds it) and this pod's own console still work
    // from the locked-out address: 127.0.0.1 is every local client's, and kubectl port-forward's.
    const local = JSON.parse(readFileSync(join(dataDir, 'admin.json'), 'utf8')) as { token: string };
    expect((await api('get', '/stats', local.token)).status).toBe(200);
    const signIn = await fetch(`${service.adminUrl}/console/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${OPERATOR}`, redirect: 'manual' });
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
    const overview = (await (await fetch(`${service.adminUrl}/console/api/overview`, { headers: { cookie } })).json()) as { partial: boolean; pods: { ok: boolean }[] };
    expect(signIn.status).toBe(303);
    expect(overview).toMatchObject({ partial: false, pods: [{ ok: true }] });
    expect(await metricValue(service.registry, 'imgw_admin_login_failures_total', { reason: 'limited' })).toBeGreaterThanOrEqual(2);
    expect(await metricValue(service.registry, 'imgw_admin_requests_total', { route: '/stats', status: '429' })).toBeGreaterThanOrEqual(1);
    const log = logs.join('');
    expect(log).toContain('"action":"dlq.redrive"');
    for (const secret of [VIEWER, OPERATOR, 'guess-3', 'not-a-token']) expect(log).not.toContain(secret);
  });
});
