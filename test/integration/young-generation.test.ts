import { rmSync } from 'node:fs';
import { gatewayMain, launch } from '../../bench/lib/launch';
import { heapGrowingPercent, semiSpaceFlag } from '../../src/heap';
import { tempDataDir } from '../helpers/service';

const warning = 'started without a young-generation limit';

describe('the young-generation limit at start', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = tempDataDir();
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  test.each([
    ['on the command line', [semiSpaceFlag], {}, false],
    ['in NODE_OPTIONS', [], { NODE_OPTIONS: semiSpaceFlag }, false],
    ['nowhere', [], {}, true],
  ])('When the limit is given %s, then a warning before the listening line is logged: %s', async (_where, nodeArgs, env, warned) => {
    const service = await launch(gatewayMain, { HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir, ...env }, { nodeArgs });
    try {
      // The warning comes before the listening line that `launch` waited for.
      expect(service.output().includes(warning)).toBe(warned);
      expect(service.output()).toContain('"msg":"listening"');
    } finally {
      expect(await service.stop()).toBe(0);
    }
  });

  test.each([
    ['on the command line', 'as given', ['--heap-growing-percent=80']],
    ['nowhere', `--heap-growing-percent=${heapGrowingPercent}`, []],
  ])('When the heap growing factor is given %s, then the listening line names the factor the gateway set: %s', async (_where, v8, nodeArgs) => {
    const service = await launch(gatewayMain, { HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir }, { nodeArgs: [semiSpaceFlag, ...nodeArgs] });
    try {
      const line = service.output().split('\n').find((l) => l.includes('"msg":"listening"'));
      expect(JSON.parse(line!)).toMatchObject({ v8 });
    } finally {
      expect(await service.stop()).toBe(0);
    }
  });
});
