// The helpers that start servers and child processes for the tests and benchmarks: a start that
// fails or times out leaves no process behind and reports what the child wrote.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { until } from '../../bench/lib/children';
import { startNatsCluster, startNginx } from '../../bench/lib/cluster';
import { launch } from '../../bench/lib/launch';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'imgw-helpers-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** An executable shell script in the test's directory. */
function script(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

/** Whether a process with this pid still exists (signal 0 only checks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pids a start error names ("--- n1 (pid 123) ..."). */
const pidsIn = (message: string) => [...message.matchAll(/\(pid (\d+)\)/g)].map((m) => Number(m[1]));

async function failure(start: Promise<unknown>): Promise<string> {
  const error = await start.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  if (!error) throw new Error('the start succeeded');
  return error.message;
}

describe('startNatsCluster', () => {
  test('When a node exits at start, then the error carries its output and no node is left running', async () => {
    const bin = script('fake-nats-server', 'echo "nats-server: config unreadable: $*" >&2; exit 3');
    const message = await failure(startNatsCluster(join(dir, 'nats'), { bin }));
    expect(message).toMatch(/n1 \(pid \d+\) exited with 3/);
    expect(message).toContain('nats-server: config unreadable: -c');
    expect(pidsIn(message).filter(alive)).toEqual([]);
  });

  test('When the cluster is not ready in time, then every node started is stopped and the error shows their output', async () => {
    const message = await failure(startNatsCluster(join(dir, 'nats'), { timeoutMs: 1 }));
    expect(message).toContain('timed out after 1 ms');
    expect(message).toMatch(/--- n1 \(pid \d+\) exited with \S+; its output:/);
    const pids = pidsIn(message);
    expect(pids.length).toBeGreaterThan(0);
    expect(pids.filter(alive)).toEqual([]);
  });

  test('When it starts, then three nodes on ports they chose agree on a meta leader, and stop ends them', async () => {
    const cluster = await startNatsCluster(join(dir, 'nats'));
    const pids = cluster.nodes.map((node) => node.pid);
    try {
      expect(new Set(cluster.nodes.map((node) => node.client)).size).toBe(3);
      for (const i of [0, 1, 2]) {
        const jsz = (await cluster.monitor(i, '/jsz')) as { meta_cluster: { leader: string; cluster_size: number } };
        expect(jsz.meta_cluster).toMatchObject({ leader: expect.stringMatching(/^n[123]$/), cluster_size: 3 });
      }
    } finally {
      await cluster.stop();
    }
    expect(pids.filter(alive)).toEqual([]);
  });
});

describe('startNginx', () => {
  test('When nginx never listens, then it is stopped at the deadline and the error shows its output', async () => {
    const bin = script('fake-nginx', 'echo "nginx: still thinking" >&2; exec sleep 600');
    const message = await failure(startNginx(join(dir, 'nginx'), [1], { bin, timeoutMs: 300 }));
    expect(message).toContain('timed out after 300 ms waiting for nginx to listen');
    expect(message).toContain('nginx: still thinking');
    expect(pidsIn(message).filter(alive)).toEqual([]);
  });
});

describe('launch', () => {
  test('When a process never logs that it listens, then it is killed at the deadline and the error shows its output', async () => {
    const main = join(dir, 'silent.js');
    writeFileSync(main, "console.log('starting, never listening'); setInterval(() => {}, 1000);\n");
    // The deadline must come after the child printed: Node's own start took over 300 ms at load average
    // 18 and the error then had no output to show. 5 s is well past a start on a loaded machine.
    const message = await failure(launch(main, {}, { timeoutMs: 5_000 }));
    expect(message).toContain('did not listen within 5000 ms');
    expect(message).toContain('starting, never listening');
  });

  test('When a process exits before listening, then the error carries its exit code and output', async () => {
    const main = join(dir, 'failing.js');
    writeFileSync(main, "console.error('cannot open the spool'); process.exit(4);\n");
    const message = await failure(launch(main));
    expect(message).toMatch(/exited with 4 before listening: cannot open the spool/);
  });

  test.each([
    ['is stopped with SIGTERM', 'setInterval(() => {}, 1000);', 'SIGTERM'],
    ['is stopped with SIGINT', 'setInterval(() => {}, 1000);', 'SIGINT'],
    ['exits', 'process.exit(0);', undefined],
  ] as const)('When the process that launched a server %s, then the server is stopped too', async (_name, then, signal) => {
    const server = join(dir, 'server.js');
    writeFileSync(server, "require('node:http').createServer().listen(0, '127.0.0.1', function () { console.log(JSON.stringify({ port: this.address().port, msg: 'listening' })); });\n");
    const owner = join(dir, 'owner.js');
    // The owner prints the server's pid once it listens, then waits to be stopped or exits.
    writeFileSync(owner, `require(${JSON.stringify(join(__dirname, '../../bench/lib/launch.js'))}).launch(${JSON.stringify(server)}).then((s) => { console.log(s.child.pid); ${then} });\nsetInterval(() => {}, 1000);\n`);
    const child = spawn(process.execPath, [owner], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    const exited = new Promise((resolve) => child.once('close', (code, sig) => resolve(code ?? sig)));
    let pid = 0;
    try {
      await until(() => (pid = Number(/^(\d+)$/m.exec(output)?.[1] ?? 0)) > 0, 15_000, () => `the server's pid from the owner (it wrote: ${output})`);
      expect(alive(pid)).toBe(true);
      if (signal) child.kill(signal);
      const code = await exited;
      await until(() => !alive(pid), 10_000, `the server (pid ${pid}) to end`);
      // Ended as the signal would have ended it (128 + its number), or with its own exit code.
      expect(code).toBe(signal === 'SIGTERM' ? 143 : signal === 'SIGINT' ? 130 : 0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      if (pid > 0 && alive(pid)) process.kill(pid, 'SIGKILL');
    }
  });
});
