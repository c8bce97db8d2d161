import { readFileSync, rmSync } from 'node:fs';
import { gatewayMain, gatewayNodeArgs, launch } from '../../bench/lib/launch';
import { singleThreadedGcFlag } from '../../src/gc-threads';
import { tempDataDir } from '../helpers/service';

/** The command line of a running process, as the kernel has it. */
const commandLine = (pid: number): string[] => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);

describe('the collector on one CPU', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = tempDataDir();
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  test.each([
    ['When the gateway starts on one CPU, then it runs on as the same process with the single-threaded collector', [], true],
    ['When the command line says --no-single-threaded-gc on one CPU, then it runs as started', ['--no-single-threaded-gc'], false],
  ])('%s', async (_title, extra, single) => {
    // taskset runs node in its own place (exec), so the child's pid is the gateway's from start to end.
    const service = await launch(gatewayMain, { HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir }, { cpus: '0', nodeArgs: [...gatewayNodeArgs, ...extra] });
    try {
      const pid = service.child.pid as number;
      expect(commandLine(pid).includes(singleThreadedGcFlag)).toBe(single);
      expect(commandLine(pid)).toContain(gatewayMain);
      const listening = service
        .output()
        .split('\n')
        .find((line) => line.includes('"msg":"listening"')) as string;
      expect(JSON.parse(listening)).toMatchObject({ cpus: 1, gc: single ? 'single-threaded' : 'parallel' });
    } finally {
      expect(await service.stop()).toBe(0);
    }
  });
});
