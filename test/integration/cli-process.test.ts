import { runCliProcess } from '../helpers/cli';

/** The helper that runs the built CLI as a child process (needs `npm run build`). */
describe('runCliProcess', () => {
  test('When the CLI exits, then its code and output are given back', async () => {
    const run = await runCliProcess(['dlq', '--help'], { DATA_DIR: '/nonexistent-imgw-cli-process' });

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: imgw dlq <command>/);
  });

  test('When the CLI outlives its timeout, then it is killed and the run rejects naming the command', async () => {
    // Node cannot start, let alone answer, within 1 ms: the kill always comes first.
    await expect(runCliProcess(['dlq', '--help'], { DATA_DIR: '/nonexistent-imgw-cli-process' }, { timeoutMs: 1 })).rejects.toThrow(/imgw dlq --help was killed \(SIGKILL; timeout 1 ms\)\n--- stdout\n/);
  });
});
