import { spawn, type ChildProcess } from 'node:child_process';
import { launchService } from '../helpers/process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { loadFixture } from '../helpers/fixtures';
import { tempDataDir } from '../helpers/service';
import { until } from '../helpers/wait';

const main = join(__dirname, '..', '..', 'dist', 'main.js');
const sample = loadFixture('c2c-after-send-official');

const launch = (env: Record<string, string>) => launchService(env, { signed: false });

/** Pids of gateway processes (dist/main.js) whose DATA_DIR is `dataDir`, from /proc. */
function gatewaysOn(dataDir: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return cmdline.includes('dist/main.js') && readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`DATA_DIR=${dataDir}`);
      } catch {
        return false;
      }
    })
    .map(Number);
}

const exitOf = (child: ChildProcess) => new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
/** The exit code once the child's stdout and stderr are also drained ('exit' can come before their last data). */
const closeOf = (child: ChildProcess) => new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));

describe('the service process', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = tempDataDir();
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  test('When the configuration is wrong, then it exits 2 and lists every problem', async () => {
    const child = spawn(process.execPath, [main], { env: { PATH: process.env.PATH, PORT: 'eighty', LOG_LEVEL: 'chatty' } });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));

    const code = await exitOf(child);

    expect(code).toBe(2);
    expect(stderr).toContain('Invalid configuration:');
    expect(stderr).toContain('→ at PORT');
    expect(stderr).toContain('→ at LOG_LEVEL');
  });

  test('When SIGTERM arrives during a request, then the request completes, the event is kept and the process exits 0', async () => {
    const service = await launch({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    const { child, port } = service;
    const body = Buffer.from(JSON.stringify(sample.body));
    const params = new URLSearchParams(sample.query).toString();
    let connected = false;
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: `/tencent/callback?${params}`, headers: { 'content-length': body.length } });
    req.on('socket', (socket) => socket.once('connect', () => (connected = true)));
    const reply = new Promise<{ status: number; text: string }>((resolve, reject) => {
      req.on('response', (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
    });
    const exited = exitOf(child);

    // The head and the first bytes of the body are sent; the rest only once the service is shutting down.
    req.write(body.subarray(0, 20));
    await until(() => connected);
    child.kill('SIGTERM');
    await until(() => service.output().includes('shutting down'));
    req.end(body.subarray(20));

    const res = await reply;
    const code = await exited;

    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' });
    expect(code).toBe(0);
    const relaunched = await launch({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir });
    const file = join(dataDir, 'events.jsonl');
    await until(() => {
      try {
        return readFileSync(file, 'utf8').includes('48374_2837546_1557481126');
      } catch {
        return false;
      }
    });
    relaunched.child.kill('SIGTERM');
    expect(await exitOf(relaunched.child)).toBe(0);
  });

  test('When SIGTERM arrives during start-up, before "listening", then it still stops cleanly and exits 0', async () => {
    const child = spawn(process.execPath, [main], { env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info' } });
    let stdout = '';
    const exited = closeOf(child);
    // The first line (a configuration warning) comes before the spool is opened and the port bound.
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        if (stdout.includes('TENCENT_SDKAPPIDS is not set')) resolve();
      }),
    );
    child.kill('SIGTERM');

    expect(await exited).toBe(0);
    expect(child.signalCode).toBeNull();
    expect(stdout).toContain('"msg":"stopped"');
  });

  test('When `npm start` gets SIGTERM, then the server stops with it (no orphan keeps the port)', async () => {
    const root = join(__dirname, '..', '..');
    const child = spawn('npm', ['start', '--ignore-scripts', '--silent'], { cwd: root, env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info' } });
    let stdout = '';
    const port = await new Promise<number>((resolve) =>
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        const match = /"port":(\d+)[^\n]*"msg":"listening"/.exec(stdout);
        if (match) resolve(Number(match[1]));
      }),
    );
    const servers = () => gatewaysOn(dataDir);
    const before = servers();

    child.kill('SIGTERM');
    await exitOf(child);
    await until(() => servers().length === 0, 10_000).catch(() => undefined);
    const left = servers();
    for (const pid of left) process.kill(pid, 'SIGKILL');

    expect(before).toHaveLength(1);
    expect(left).toEqual([]);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  test('When started with no configuration, then it warns that any app is accepted and the Sign check is off', async () => {
    const { child, output } = await launch({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir });
    child.kill('SIGTERM');
    await exitOf(child);

    expect(output()).toContain('TENCENT_SDKAPPIDS is not set');
    expect(output()).toContain('TENCENT_CALLBACK_TOKENS is not set');
  });
});
