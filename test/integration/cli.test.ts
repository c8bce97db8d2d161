import { DatabaseSync } from 'node:sqlite';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runCli } from '../../src/cli';
import { loadConfig } from '../../src/config';
import { openSpool } from '../../src/pipeline/spool';
import type { RunningService } from '../../src/service';
import { loadFixture } from '../helpers/fixtures';
import { startTestService, tempDataDir } from '../helpers/service';
import { until } from '../helpers/wait';
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
  async function run(...argv: string[]): Promise<{ code: number; lines: unknown[]; errors: string[] }> {
    const lines: string[] = [];
    const errors: string[] = [];
    const code = await runCli(argv, config(), { out: (line) => void lines.push(line), err: (line) => void errors.push(line) });
    return { code, lines: lines.map((line) => (line.startsWith('{') ? JSON.parse(line) : line)), errors };
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
    const clock = { now: Date.now() };
    service = await startTestService(dataDir, file, () => clock.now);
    await post(sample.body);
    await post({ ...sample.body, MsgKey: 'second' });
    // The second attempt comes due when the service's clock is moved past its backoff.
    await until(async () => (await run('dlq', 'list')).lines.length === 2, { step: () => (clock.now += 1000) });

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

  test('When the gateway was down, then gaps list shows the outage and gaps settle settles it, through the running service and on a stopped one', async () => {
    const clock = { now: Date.now() };
    const restart = async () => {
      await service?.stop();
      clock.now += 120_000;
      service = await startTestService(dataDir, file, () => clock.now);
    };
    service = await startTestService(dataDir, file, () => clock.now);
    await restart();

    const listed = await run('gaps', 'list', '--kind', 'outage');
    const gid = String((listed.lines[0] as { gid: number }).gid);
    const settled = await run('gaps', 'settle', gid, '--state', 'unfillable', '--note', 'no backfill configured');
    const twice = await run('gaps', 'settle', gid, '--state', 'filled', '--note', 'again');
    const noState = await run('gaps', 'settle', gid, '--note', 'x');
    await restart();
    await service?.stop();
    service = undefined;
    const open = await run('gaps', 'list', '--state', 'open');
    const other = String((open.lines[0] as { gid: number }).gid);
    const offline = await run('gaps', 'settle', other, '--state', 'filled', '--note', 'read from the vendor console');
    const all = await run('gaps', 'list');

    expect(listed).toMatchObject({ code: 0, lines: [expect.objectContaining({ kind: 'outage', state: 'open', untilAt: expect.stringMatching(/Z$/) })] });
    expect(settled).toMatchObject({ code: 0, lines: [expect.objectContaining({ state: 'unfillable', note: 'settled by local: no backfill configured' })] });
    expect(twice.code).toBe(1);
    expect(twice.errors.join('\n')).toContain(`gap ${gid} is not open (it is unfillable)`);
    expect(noState.code).toBe(2);
    expect(open.lines).toHaveLength(1);
    expect(offline).toMatchObject({ code: 0, lines: [expect.objectContaining({ state: 'filled', note: 'settled by cli-local: read from the vendor console' })] });
    // Oldest first, each as it was settled.
    expect(all.lines.map((row) => (row as { state: string }).state)).toEqual(['unfillable', 'filled']);
  });

  test('When quarantined requests are redriven, then the ones valid now become events and the rest stay with their current reason', async () => {
    service = await startTestService(dataDir, file);
    expect((await post({ ...sample.body, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: {} }] })).ErrorInfo).toMatch(/^quarantined: /);
    expect((await post({ ...sample.body, MsgKey: 'fixable', MsgBody: 'oops' })).ErrorInfo).toMatch(/^quarantined: /);
    const db = new DatabaseSync(join(dataDir, 'spool.db'));
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
    expect(redriven.lines).toEqual([{ accepted: 1, duplicate: 0, ignored: 0, stillInvalid: 1, missing: 0, vendorNotConfigured: 0 }]);
    expect(lines()[0]).toMatchObject({ msgkey: 'fixable' });
    expect((await run('quarantine', 'list')).lines).toEqual([expect.objectContaining({ reason: 'invalid_payload', detail: 'MsgBody[0].MsgContent.Text: expected string, received undefined' })]);
  });

  test('When stored events are replayed, then each sink gets them again with the same ids', async () => {
    service = await startTestService(dataDir, file);
    await post(sample.body);
    // Written to the file and recorded as delivered (a replay does not double an event still pending).
    await until(async () => lines().length === 1 && ((await run('spool', 'stats')).lines[0] as { pending: unknown[] }).pending.length === 0);

    const replayed = await run('replay', '--since', '1h', '--sink', 'file');
    await until(() => lines().length === 2);

    expect(replayed.lines).toEqual([{ queued: 1 }]);
    expect(lines()[1]!.id).toBe(lines()[0]!.id);
  });

  test('When spool compact runs, then it is refused while the gateway runs and, stopped, gives the free pages back after a dry run and a confirmation', async () => {
    // History that retention removed: its pages are free in the file.
    const seed = openSpool({ path: join(dataDir, 'spool.db'), sinks: [] });
    await Promise.all(Array.from({ length: 3000 }, (_, i) => seed.append({ attributes: { specversion: '1.0', id: `old-${i}`, source: 's', type: 't', time: new Date(1000).toISOString(), datacontenttype: 'application/json' }, data: JSON.stringify({ text: 'x'.repeat(400) }) }, 1000)));
    await seed.pruneAll(2000);
    seed.close();
    service = await startTestService(dataDir, file);
    expect((await post(sample.body)).ActionStatus).toBe('OK');
    const running = await run('spool', 'compact', '--yes');
    await service.stop();
    service = undefined;
    const size = () => statSync(join(dataDir, 'spool.db')).size;
    const sizeStopped = size();

    const dry = await run('spool', 'compact', '--dry-run');
    const unconfirmed = await run('spool', 'compact');
    const sizeUnconfirmed = size();
    const compacted = await run('spool', 'compact', '--yes');
    service = await startTestService(dataDir, file);
    await until(() => lines().length === 1);

    expect(running.code).toBe(1);
    expect(running.errors[0]).toMatch(/^spool compact needs the gateway stopped: a gateway holds .*spool\.db/);
    expect(dry.code).toBe(0);
    const planned = dry.lines[0] as { dryRun: boolean; fileBytes: number; freeBytes: number };
    expect(planned).toEqual({ dryRun: true, fileBytes: sizeStopped, freeBytes: expect.any(Number) });
    expect(planned.freeBytes).toBeGreaterThan(sizeStopped / 2);
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.errors[0]).toMatch(/^spool compact: rewrites .* without its \d+ free bytes.*run again with --yes/);
    expect(sizeUnconfirmed).toBe(sizeStopped);
    expect(compacted).toMatchObject({ code: 0, errors: [] });
    expect(compacted.lines[0]).toEqual({ fileBytes: sizeStopped - (compacted.lines[0] as { freed: number }).freed, freed: expect.any(Number) });
    expect((compacted.lines[0] as { freed: number }).freed).toBeGreaterThanOrEqual(planned.freeBytes);
    expect((await post({ ...sample.body, MsgKey: 'after-compact' })).ActionStatus).toBe('OK');
    await until(() => lines().length === 2);
  });

  test('When the service restarted cleanly and stored events are replayed, then the file sink writes them again', async () => {
    service = await startTestService(dataDir, file);
    await post(sample.body);
    await until(async () => lines().length === 1 && ((await run('spool', 'stats')).lines[0] as { pending: unknown[] }).pending.length === 0);
    await service.stop();
    service = await startTestService(dataDir, file);

    const replayed = await run('replay', '--since', '1h', '--sink', 'file');
    await until(() => lines().length === 2);

    expect(replayed.lines).toEqual([{ queued: 1 }]);
    expect(lines()[1]!.id).toBe(lines()[0]!.id);
  });

  test('When the command is unknown or replay has no --since, then it exits 2 with the usage on stderr', async () => {
    service = await startTestService(dataDir, file);
    const unknown = await run('explode');
    const replay = await run('replay');

    expect(unknown).toMatchObject({ code: 2, lines: [], errors: [expect.stringMatching(/^unknown command: explode\nUsage: imgw/)] });
    expect(replay).toMatchObject({ code: 2, lines: [], errors: [expect.stringMatching(/^replay needs --since\nUsage: imgw/)] });
  });

  test('When replay has no --since, then it prints what is missing and only that command\'s usage', async () => {
    service = await startTestService(dataDir, file);
    const replay = await run('replay');

    expect(replay.errors).toHaveLength(1);
    expect(replay.errors[0]).toMatch(/^replay needs --since\nUsage: imgw replay --since T \[--until T\] \[--sink S\]\n/);
    expect(replay.errors[0]).not.toContain('spool stats');
  });

  test('When a command group is given --help, then it lists that group\'s commands; without a command it exits 2 with the same list', async () => {
    const help = await run('dlq', '--help');
    const bare = await run('quarantine');
    const wrong = await run('pending', 'flush');

    expect(help).toMatchObject({ code: 0, errors: [] });
    expect(help.lines[0]).toMatch(/^Usage: imgw dlq <command>/);
    for (const name of ['dlq list', 'dlq show <seq>', 'dlq redrive']) expect(help.lines[0]).toContain(name);
    expect(help.lines[0]).not.toContain('quarantine');
    expect(bare).toMatchObject({ code: 2, lines: [] });
    expect(bare.errors[0]).toMatch(/^quarantine needs a command\nUsage: imgw quarantine <command>/);
    expect(bare.errors[0]).toContain('quarantine redrive');
    expect(wrong.errors[0]).toMatch(/^pending needs a command \(flush is none of its\)\nUsage: imgw pending <command>/);
    expect(existsSync(join(dataDir, 'spool.db'))).toBe(false);
  });

  test('When --help or -h is given to the tool or to any command, then its usage is printed and it exits 0', async () => {
    const tool = await run('--help');
    const short = await run('-h');
    const perCommand = await Promise.all(
      ['check-config', 'spool stats', 'spool compact', 'dlq list', 'dlq show', 'dlq redrive', 'quarantine list', 'quarantine show', 'quarantine redrive', 'replay', 'pending drop', 'pending move', 'gaps list', 'gaps settle'].map(
        async (name) => ({ name, result: await run(...name.split(' '), '--help') }),
      ),
    );

    expect(tool).toMatchObject({ code: 0, errors: [] });
    expect(tool.lines[0]).toMatch(/^Usage: imgw <command>/);
    expect(short.lines).toEqual(tool.lines);
    for (const { name, result } of perCommand) {
      expect(result).toMatchObject({ code: 0, errors: [] });
      expect(result.lines[0]).toMatch(new RegExp(`^Usage: imgw ${name}`));
    }
    expect(existsSync(join(dataDir, 'spool.db'))).toBe(false);
  });

  test('When arguments are invalid, then it says which on stderr and exits 2; the help promises only ages it accepts', async () => {
    service = await startTestService(dataDir, file);

    const cases = [
      [['dlq', 'list', '--limit', 'abc'], /^--limit must be an integer from 1 to 100000/],
      [['dlq', 'list', '--limit', '0'], /^--limit must be an integer from 1 to 100000/],
      [['dlq', 'show', 'abc'], /^seq must be a positive integer/],
      [['quarantine', 'show', '-1'], /^Unknown option|^seq|^qid|option/],
      [['dlq', 'list', '--sink', 'nope'], /^unknown sink: nope \(configured: file\)/],
      [['dlq', 'list', '--bogus'], /Unknown option '--bogus'/],
      [['dlq', 'show'], /^usage: imgw dlq show <seq>/],
      [['spool', 'stats', '--limit', '5'], /^spool stats does not take --limit/],
      [['replay', '--since', '7d ago'], /^--since: not a time: 7d ago/],
    ] as const;
    for (const [argv, message] of cases) {
      const result = await run(...argv);
      expect({ argv, code: result.code, lines: result.lines }).toEqual({ argv, code: 2, lines: [] });
      expect(result.errors[0]).toMatch(message);
    }
    expect((await run('--help')).lines[0]).not.toMatch(/ago\)/);
    expect((await run('replay', '--since', '7d')).code).toBe(0);
  });

  test('When a dead letter or quarantined request does not exist, then it says so on stderr and exits 1', async () => {
    service = await startTestService(dataDir, file);

    const dlq = await run('dlq', 'show', '999');
    const quarantined = await run('quarantine', 'show', '999');

    expect(dlq).toEqual({ code: 1, lines: [], errors: ['no dead letter with seq 999'] });
    expect(quarantined).toEqual({ code: 1, lines: [], errors: ['no quarantined request with qid 999'] });
  });

  test('When run where there is no spool, then it refuses, names the path it looked at, and creates nothing', async () => {
    const stats = await run('spool', 'stats');
    const redrive = await run('dlq', 'redrive');

    expect(stats).toEqual({ code: 1, lines: [], errors: [`no spool at ${resolve(dataDir, 'spool.db')}: set DATA_DIR to the service's data directory (nothing was created)`] });
    expect(redrive.code).toBe(1);
    expect(existsSync(join(dataDir, 'spool.db'))).toBe(false);
  });

  test('When rows carry times, then they are printed in ISO 8601', async () => {
    mkdirSync(outPath, { recursive: true });
    service = await startTestService(dataDir, file);
    await post(sample.body);
    await until(async () => (await run('dlq', 'list')).lines.length === 1);
    await post({ ...sample.body, MsgBody: 'oops' });

    const [dead] = (await run('dlq', 'list')).lines as Record<string, unknown>[];
    const [shown] = (await run('dlq', 'show', String(dead!.seq))).lines as Record<string, unknown>[];
    const [quarantined] = (await run('quarantine', 'list')).lines as Record<string, unknown>[];
    const stats = (await run('spool', 'stats')).lines[0] as { pending: unknown[] };
    const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

    for (const value of [dead!.receivedAt, dead!.deadAt, dead!.firstFailedAt, shown!.receivedAt, shown!.deadAt, quarantined!.receivedAt]) expect(value).toMatch(iso);
    expect(stats.pending).toEqual([]);
  });

  test('When any command prints JSON, then its keys are camelCase, the same spelling in list and show', async () => {
    mkdirSync(outPath, { recursive: true });
    service = await startTestService(dataDir, file);
    await post(sample.body);
    await until(async () => (await run('dlq', 'list')).lines.length === 1);
    await post({ ...sample.body, MsgBody: 'oops' });

    const [dead] = (await run('dlq', 'list')).lines as Record<string, unknown>[];
    const [quarantined] = (await run('quarantine', 'list')).lines as Record<string, unknown>[];
    const outputs = [
      ...(await run('spool', 'stats')).lines,
      dead,
      ...(await run('dlq', 'show', String(dead!.seq))).lines,
      quarantined,
      ...(await run('quarantine', 'show', String(quarantined!.qid))).lines,
      ...(await run('check-config')).lines,
    ] as Record<string, unknown>[];
    const keys = outputs.flatMap((row) => Object.entries(row).flatMap(([key, value]) => [key, ...(Array.isArray(value) ? value.flatMap((v) => (typeof v === 'object' && v !== null ? Object.keys(v) : [])) : [])]));

    expect(outputs).toHaveLength(6);
    expect(keys.filter((key) => !/^[a-z][A-Za-z0-9]*$/.test(key))).toEqual([]);
    expect(Object.keys(outputs[2]!)).toEqual(expect.arrayContaining(['receivedAt', 'deadAt', 'lastError']));
    expect(Object.keys(outputs[4]!)).toEqual(expect.arrayContaining(['receivedAt', 'bodyBase64']));
  });

  test('When events wait for a sink no longer configured, then check-config reports them and pending drop or move clears them; a configured sink is refused', async () => {
    // The old sink cannot write (its path is a directory): its events stay pending.
    mkdirSync(join(dataDir, 'out', 'old.jsonl'), { recursive: true });
    service = await startTestService(dataDir, { sinks: [{ type: 'file', name: 'old', path: join(dataDir, 'out', 'old.jsonl'), retryInitialMs: 60_000, retryMaxMs: 60_000 }] });
    await post(sample.body);
    await post({ ...sample.body, MsgKey: 'second' });
    await service.stop();
    service = undefined;

    const checked = await run('check-config');
    const refused = await run('pending', 'drop', '--sink', 'file');
    const badTarget = await run('pending', 'move', '--sink', 'old', '--to', 'nowhere');
    const moved = await run('pending', 'move', '--sink', 'old', '--to', 'file', '--yes');
    service = await startTestService(dataDir, file);
    await until(() => lines().length === 2);
    const after = await run('check-config');

    expect(checked.lines[0]).toMatchObject({ ok: true, sinks: ['file'], orphanedPending: [{ sink: 'old', pending: 2 }] });
    expect(refused).toMatchObject({ code: 1, errors: [expect.stringMatching(/^sink file is configured/)] });
    expect(badTarget).toMatchObject({ code: 2, errors: [expect.stringMatching(/^unknown sink: nowhere/)] });
    expect(moved.lines).toEqual([{ moved: 2, to: 'file' }]);
    expect(after.lines[0]).not.toHaveProperty('orphanedPending');
    // Nothing is left under the old name: it is now an unknown sink.
    expect(await run('pending', 'drop', '--sink', 'old')).toMatchObject({ code: 2, errors: [expect.stringMatching(/^unknown sink: old/)] });
  });

  test('When run as node dist/cli.js, then stdout is clean JSON and usage errors go to stderr with exit 2', () => {
    mkdirSync(dataDir, { recursive: true });
    const env = { PATH: process.env.PATH, DATA_DIR: dataDir };
    const missing = spawnSync(process.execPath, [cli, 'spool', 'stats'], { timeout: 60_000, env, encoding: 'utf8' });
    const help = spawnSync(process.execPath, [cli, 'dlq', 'list', '-h'], { timeout: 60_000, env: { ...env, PORT: '-1' }, encoding: 'utf8' });
    const bad = spawnSync(process.execPath, [cli, 'dlq', 'list', '--limit', 'x'], { timeout: 60_000, env, encoding: 'utf8' });
    const ok = spawnSync(process.execPath, [cli, 'check-config'], { timeout: 60_000, env, encoding: 'utf8' });

    expect({ status: missing.status, stdout: missing.stdout }).toEqual({ status: 1, stdout: '' });
    expect(missing.stderr).toContain(`no spool at ${resolve(dataDir, 'spool.db')}`);
    expect({ status: help.status, stderr: help.stderr }).toEqual({ status: 0, stderr: '' });
    expect(help.stdout).toMatch(/^Usage: imgw dlq list/);
    expect({ status: bad.status, stdout: bad.stdout }).toEqual({ status: 2, stdout: '' });
    expect(ok.stdout.trim().split('\n').map((line) => JSON.parse(line))).toEqual([{ ok: true, ackMode: 'spool', dataDir, sinks: ['file'] }]);
  });

  test('When check-config runs as a process, then a good configuration exits 0 and a bad one exits 2 listing the problem', () => {
    const ok = execFileSync(process.execPath, [cli, 'check-config'], { timeout: 60_000, env: { PATH: process.env.PATH, DATA_DIR: dataDir }, encoding: 'utf8' });
    let bad: { status: number; stderr: string } | undefined;
    try {
      execFileSync(process.execPath, [cli, 'check-config'], { timeout: 60_000, env: { PATH: process.env.PATH, PORT: '-1' }, encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      bad = error as { status: number; stderr: string };
    }

    expect(JSON.parse(ok)).toEqual({ ok: true, ackMode: 'spool', dataDir, sinks: ['file'] });
    expect(bad?.status).toBe(2);
    expect(bad?.stderr).toContain('→ at PORT');
  });
});
