// The backfill benchmark's load generator on a thread of its own (bench/lib/paced-apart.mjs): the thread
// asks the kernel for the nice value it is given, so that on the core it shares with the vendor stand-in
// it is run first, and says at which value it ran; the process's own threads keep theirs.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '../../..');

/** Runs the load generator for a moment against a server in the same child process; its result and the main thread's nice value after it. */
function runApart(priority: number): { priority: number; ok: number; scheduled: number; mainNice: number; mainNiceBefore: number } {
  const script = `
    const { createServer } = require('node:http');
    const { getPriority } = require('node:os');
    const server = createServer((req, res) => { req.resume(); req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}')); });
    server.listen(0, '127.0.0.1', async () => {
      const mainNiceBefore = getPriority();
      const { pacedLoadApart } = await import('./bench/lib/paced-apart.mjs');
      const r = await pacedLoadApart({ port: server.address().port, rate: 100, duration: 0.2, connections: 2, grace: 2, priority: ${priority} });
      console.log(JSON.stringify({ priority: r.priority, ok: r.okReplies, scheduled: r.requests.scheduled, mainNice: getPriority(), mainNiceBefore }));
      server.close();
    });`;
  try {
    const out = execFileSync(process.execPath, ['-e', script], { cwd: root, timeout: 20_000, encoding: 'utf8' });
    return JSON.parse(out.trim().split('\n').at(-1) as string) as ReturnType<typeof runApart>;
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    throw new Error(`the load generator's child failed:\n${failed.stdout ?? ''}\n${failed.stderr ?? ''}`, { cause: error });
  }
}

describe('the load generator on a thread of its own', () => {
  test('When it is given a nice value, then its thread runs at it and the process keeps its own', () => {
    // Raising the nice value (running later) is allowed without privileges, so this holds for any user.
    const result = runApart(7);

    expect(result.priority).toBe(7);
    expect(result.mainNice).toBe(result.mainNiceBefore);
    expect(result.ok).toBe(result.scheduled);
    expect(result.scheduled).toBe(20);
  });
});
