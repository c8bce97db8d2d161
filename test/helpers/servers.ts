import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { daemon, freePort, portOpen, stopChild, untilStarted, type Daemon } from '../../bench/lib/children';
import { until } from './wait';

/**
 * Real servers on loopback for integration tests, each in its own temporary directory on a free port,
 * and each able to stop and start again (to test outages). A missing binary is an error, never a skip:
 * `.ci/run` installs them. A start that fails or times out stops the server and throws with its output.
 */
export interface TestServer {
  readonly port: number;
  readonly url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the server for good and removes its files. */
  destroy(): Promise<void>;
}

/** A free port for a server that must be told its port (see bench/lib/children.js: below the ephemeral range). */
export { freePort };

/** A fixed port (the default ports of examples/all-sinks.yaml) must be free, or tests would talk to a stranger. */
export function assertPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', () => reject(new Error(`127.0.0.1:${port} is already in use; stop whatever listens there`)));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

/** Resolves once something accepts connections on the port. */
export async function waitForPort(port: number, timeoutMs = 15_000): Promise<void> {
  const listening = () =>
    new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
  await until(listening, { timeoutMs, what: `something listening on 127.0.0.1:${port}` });
}

function requireBinary(path: string, pkg: string): string {
  try {
    execFileSync(path, ['--version'], { timeout: 60_000, stdio: 'ignore' });
  } catch {
    throw new Error(`${path} is missing: install the Debian package ${pkg} (.ci/run does)`);
  }
  return path;
}

/** A server run as a child process; `start` launches it, `stop` sends SIGTERM and waits for exit. */
async function childServer(name: string, args: (dir: string, port: number) => [string, string[]], fixedPort?: number): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), `imgw-${name}-`));
  if (fixedPort !== undefined) await assertPortFree(fixedPort);
  const port = fixedPort ?? (await freePort());
  let child: Daemon | undefined;
  const server: TestServer = {
    port,
    url: '',
    async start() {
      if (child && child.child.exitCode === null) return;
      const [command, argv] = args(dir, port);
      const started = daemon(command, argv, name);
      child = started;
      try {
        await untilStarted(started, () => portOpen(port), 15_000, `${name} to listen on 127.0.0.1:${port}`);
      } catch (error) {
        await server.stop();
        throw new Error(`${(error as Error).message}\n${started.describe()}`, { cause: error });
      }
    },
    async stop() {
      const running = child;
      child = undefined;
      await stopChild(running);
    },
    async destroy() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await server.start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return server;
}

/** NATS with JetStream (or, with `jetStream: false`, a plain core NATS server). */
export async function startNats(fixedPort?: number, options: { jetStream?: boolean } = {}): Promise<TestServer> {
  const bin = requireBinary('/usr/sbin/nats-server', 'nats-server');
  const jetStream = (dir: string) => (options.jetStream === false ? [] : ['-js', '-sd', join(dir, 'js')]);
  const server = await childServer('nats', (dir, port) => [bin, ['-a', '127.0.0.1', '-p', String(port), ...jetStream(dir)]], fixedPort);
  return { ...server, url: `nats://127.0.0.1:${server.port}` };
}

export async function startRedis(fixedPort?: number): Promise<TestServer> {
  const bin = requireBinary('/usr/bin/redis-server', 'redis-server');
  const server = await childServer('redis', (dir, port) => [bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir]], fixedPort);
  return { ...server, url: `redis://127.0.0.1:${server.port}` };
}

/** PostgreSQL as the `postgres` user (initdb refuses root), trust auth on loopback, fsync off. */
export async function startPostgres(fixedPort?: number): Promise<TestServer> {
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort() : [];
  if (versions.length === 0) throw new Error('PostgreSQL is missing: install the Debian package postgresql (.ci/run does)');
  const bin = `/usr/lib/postgresql/${versions[versions.length - 1]}/bin`;
  const dir = mkdtempSync(join(tmpdir(), 'imgw-pg-'));
  chmodSync(dir, 0o755);
  const data = join(dir, 'data');
  mkdirSync(data);
  execFileSync('chown', ['postgres:postgres', dir, data], { timeout: 60_000 });
  if (fixedPort !== undefined) await assertPortFree(fixedPort);
  const port = fixedPort ?? (await freePort());
  const asPostgres = (args: string[]) => execFileSync('runuser', ['-u', 'postgres', '--', ...args], { timeout: 60_000, stdio: 'pipe' });
  const log = join(dir, 'pg.log');
  try {
    asPostgres([`${bin}/initdb`, '-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale']);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${commandOutput(error)}`, { cause: error });
  }
  const server: TestServer = {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async start() {
      if (existsSync(join(data, 'postmaster.pid'))) return;
      try {
        asPostgres([`${bin}/pg_ctl`, '-D', data, '-l', log, '-t', '30', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, '-w', 'start']);
      } catch (error) {
        // pg_ctl gives up waiting but leaves a slow postmaster running: stop it before reporting.
        await server.stop();
        const tail = existsSync(log) ? readFileSync(log, 'utf8').slice(-4096) : '';
        throw new Error(`PostgreSQL did not start on 127.0.0.1:${port}: ${commandOutput(error)}\n--- ${log}:\n${tail}`, { cause: error });
      }
    },
    async stop() {
      try {
        asPostgres([`${bin}/pg_ctl`, '-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already stopped
      }
    },
    async destroy() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await server.start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return server;
}

/** What a failed execFileSync wrote (its stdout and stderr), or its message. */
function commandOutput(error: unknown): string {
  const { stdout, stderr, message } = error as { stdout?: Buffer; stderr?: Buffer; message?: string };
  return `${message ?? String(error)}\n${stdout?.toString() ?? ''}${stderr?.toString() ?? ''}`;
}
