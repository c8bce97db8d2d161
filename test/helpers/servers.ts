import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from './wait';

/**
 * Real servers on loopback for integration tests, each in its own temporary directory on a free port,
 * and each able to stop and start again (to test outages). A missing binary is an error, never a skip:
 * `.ci/run` installs them.
 */
export interface TestServer {
  readonly port: number;
  readonly url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the server for good and removes its files. */
  destroy(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

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
    execFileSync(path, ['--version'], { stdio: 'ignore' });
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
  let child: ChildProcess | undefined;
  const server: TestServer = {
    port,
    url: '',
    async start() {
      if (child && child.exitCode === null) return;
      const [command, argv] = args(dir, port);
      child = spawn(command, argv, { stdio: 'ignore' });
      await waitForPort(port);
    },
    async stop() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGTERM');
      await exited;
    },
    async destroy() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
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
  execFileSync('chown', ['postgres:postgres', dir, data]);
  if (fixedPort !== undefined) await assertPortFree(fixedPort);
  const port = fixedPort ?? (await freePort());
  const asPostgres = (args: string[]) => execFileSync('runuser', ['-u', 'postgres', '--', ...args], { stdio: 'ignore' });
  asPostgres([`${bin}/initdb`, '-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale']);
  const server: TestServer = {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async start() {
      if (existsSync(join(data, 'postmaster.pid'))) return;
      asPostgres([`${bin}/pg_ctl`, '-D', data, '-l', join(dir, 'pg.log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, '-w', 'start']);
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
  await server.start();
  return server;
}
