import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../src/cli';
import { loadConfig } from '../../src/config';
import type { RunningService } from '../../src/service';
import { loadFixture } from '../helpers/fixtures';
import { startTestService, tempDataDir, until } from '../helpers/service';
import { callbackPath, TEST_TOKEN } from '../helpers/tencent';

const sample = loadFixture('c2c-after-send-official');
const cli = join(__dirname, '..', '..', 'dist', 'cli.js');

describe('imgw operator CLI', () => {
  let dataDir: string;
  let service: RunningService | undefined;
  let outPath: string;
  let file: { sinks: Record<string, unknown>[] };
  beforeEach(() => {
    dataDir = tempDataDir();
    outPath = join(dataDir, 'out', 'events.jsonl');
    file = { sinks: [{ type: 'file', path: outPath, maxAttempts: 2, retryInitialMs: 10, retryMaxMs: 20, circuitBreaker: { failureThreshold: 0 } }] };
  });
  afterEach(async () => {
    await service?.stop();
    service = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  const config = () => loadConfig({ DATA_DIR: dataDir, TENCENT_CALLBACK_TOKENS: TEST_TOKEN }, file);
  async function run(...argv: string[]): Promise<{ code: number; lines: unknown[] }> {
    const lines: string[] = [];
    const code = await runCli(argv, config(), (line) => lines.push(line));
    return { code, lines: lines.map((line) => (line.startsWith('{') ? JSON.parse(line) : line)) };
  }
  async function post(body: Record<string, unknown>) {
    const res = await fetch(`http://127.0.0.1:${service!.port}${callbackPath(sample.query, { requestTime: Math.floor(Date.now() / 1000) })}`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
    return (await res.json()) as Record<string, unknown>;
  }
  const lines = () => (existsSync(outPath) ? readFileSync(outPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) : []);

  test('When a sink gave up on events, then dlq list shows them and dlq redrive delivers them while the service runs', async () => {
    mkdirSync(outPath, { recursive: true });
    service = await startTestService(dataDir, file);
    await post(sample.body);
    await post({ ...sample.body, MsgKey: 'second' });
    await until(async () => (await run('dlq', 'list')).lines.length === 2);

    const listed = await run('dlq', 'list', '--sink', 'file');
    const stats = await run('spool', 'stats');
    rmSync(outPath, { recursive: true });
    const redriven = await run('dlq', 'redrive', '--since', '1h');
    await until(() => lines().length === 2);

    expect(listed.lines).toEqual([
      expect.objectContaining({ sink: 'file', attempts: 2, type: 'com.tencent.im.C2C.CallbackAfterSendMsg', lastError: expect.stringMatching(/EISDIR|illegal operation/) }),
      expect.objectContaining({ sink: 'file', attempts: 2 }),
    ]);
    expect(stats.lines[0]).toMatchObject({ events: 2, deadLetters: [{ sink: 'file', count: 2 }], quarantined: 0 });
    expect(redriven.lines).toEqual([{ redriven: 2 }]);
    expect(lines().map((e) => e.msgkey).sort()).toEqual(['48374_2837546_1557481126', 'second']);
    expect((await run('dlq', 'list')).lines).toEqual([]);
  });

  test('When quarantined requests are redriven, then the ones valid now become events and the rest stay with their current reason', async () => {
    service = await startTestService(dataDir, file);
    expect((await post({ ...sample.body, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: {} }] })).ErrorInfo).toMatch(/^quarantined: /);
    expect((await post({ ...sample.body, MsgKey: 'fixable', MsgBody: 'oops' })).ErrorInfo).toMatch(/^quarantined: /);
    const db = (await import('better-sqlite3')).default(join(dataDir, 'spool.db'));
    // Stands in for "a newer version accepts it": the stored body is replaced by one this version accepts.
    const changed = db.prepare('UPDATE quarantine SET body = ? WHERE qid = 2').run(Buffer.from(JSON.stringify({ ...sample.body, MsgKey: 'fixable' }))).changes;
    db.close();

    const listed = await run('quarantine', 'list');
    const shown = await run('quarantine', 'show', String((listed.lines[0] as { qid: number }).qid));
    const redriven = await run('quarantine', 'redrive');
    await until(() => lines().length === 1);

    expect(changed).toBe(1);
    expect(listed.lines).toHaveLength(2);
    expect(shown.lines[0]).toMatchObject({ reason: 'invalid_payload', body: expect.stringContaining('"TIMTextElem"') });
    expect(redriven.lines).toEqual([{ accepted: 1, duplicate: 0, stillInvalid: 1 }]);
    expect(lines()[0]).toMatchObject({ msgkey: 'fixable' });
    expect((await run('quarantine', 'list')).lines).toEqual([expect.objectContaining({ reason: 'invalid_payload', detail: 'MsgBody[0].MsgContent.Text: expected string, received undefined' })]);
  });

  test('When stored events are replayed, then each sink gets them again with the same ids', async () => {
    service = await startTestService(dataDir, file);
    await post(sample.body);
    await until(() => lines().length === 1);

    const replayed = await run('replay', '--since', '1h', '--sink', 'file');
    await until(() => lines().length === 2);

    expect(replayed.lines).toEqual([{ queued: 1 }]);
    expect(lines()[1]!.id).toBe(lines()[0]!.id);
  });

  test('When the command is unknown or replay has no --since, then it exits 2 with the usage', async () => {
    expect((await run('explode')).code).toBe(2);
    expect((await run('replay')).lines).toEqual(['replay needs --since']);
  });

  test('When check-config runs as a process, then a good configuration exits 0 and a bad one exits 2 listing the problem', () => {
    const ok = execFileSync(process.execPath, [cli, 'check-config'], { env: { PATH: process.env.PATH, DATA_DIR: dataDir }, encoding: 'utf8' });
    let bad: { status: number; stderr: string } | undefined;
    try {
      execFileSync(process.execPath, [cli, 'check-config'], { env: { PATH: process.env.PATH, PORT: '-1' }, encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      bad = error as { status: number; stderr: string };
    }

    expect(JSON.parse(ok)).toEqual({ ok: true, ackMode: 'spool', dataDir, sinks: ['file'] });
    expect(bad?.status).toBe(2);
    expect(bad?.stderr).toContain('→ at PORT');
  });
});
