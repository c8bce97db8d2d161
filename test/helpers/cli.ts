import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** The built operator CLI (`npm run build` first, as `npm test` does). */
export const builtCli = join(__dirname, '..', '..', 'dist', 'cli.js');

export interface CliProcessRun {
  /** Exit code (never null: a child ended by a signal rejects instead). */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout as JSON lines (the CLI's output format), parsed. */
  readonly lines: () => Record<string, unknown>[];
}

export interface CliProcessOptions {
  /** Killed (SIGKILL) after this long (default 20 s, inside jest's 30 s); the run then rejects with what the child wrote. */
  readonly timeoutMs?: number;
}

const running = new Set<ChildProcess>();
// A test that fails or times out while a run is under way must not leave the child behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Runs the built CLI as its own process, as an operator runs it, with only PATH and `env` in its
 * environment. Resolves with its exit code and output once it has exited. Rejects, with the command
 * and everything it wrote, when it cannot start or is killed (timeout). The child is stopped on every
 * path: timeout, a failed start, and the test process exiting first.
 */
export function runCliProcess(argv: readonly string[], env: Readonly<Record<string, string>>, options: CliProcessOptions = {}): Promise<CliProcessRun> {
  const { timeoutMs = 20_000 } = options;
  const child = spawn(process.execPath, [builtCli, ...argv], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const failure = (what: string, cause?: unknown) =>
    new Error(`imgw ${argv.join(' ')} ${what}\n--- stdout\n${stdout}--- stderr\n${stderr}`, { cause });
  return new Promise<CliProcessRun>((resolve, reject) => {
    child.once('error', (error) => {
      child.kill('SIGKILL');
      reject(failure(`could not run: ${error.message}`, error));
    });
    child.once('close', (code, signal) => {
      if (code === null) return reject(failure(`was killed (${signal ?? 'no signal'}; timeout ${timeoutMs} ms)`));
      const lines = () => stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
      resolve({ code, stdout, stderr, lines });
    });
  }).finally(() => running.delete(child));
}
