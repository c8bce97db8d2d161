import { spawnSync } from 'node:child_process';
import { heapGrowingPercent, tuneHeap } from '../../src/heap';

describe('tuneHeap', () => {
  test('When the command line sets no heap growing factor, then the gateway sets its own', () => {
    const set: string[] = [];
    expect(tuneHeap(['--enable-source-maps'], (flags) => set.push(flags))).toBe(`--heap-growing-percent=${heapGrowingPercent}`);
    expect(set).toEqual([`--heap-growing-percent=${heapGrowingPercent}`]);
  });

  test.each(['--heap-growing-percent=80', '--heap_growing_percent=80', '--heap-growing-percent'])(
    'When the command line already has %s, then it is left as given',
    (arg) => {
      const set: string[] = [];
      expect(tuneHeap([arg], (flags) => set.push(flags))).toBeUndefined();
      expect(set).toEqual([]);
    },
  );

  test('When set in a running Node process, then V8 takes the flag (an unknown flag would be reported on stderr)', () => {
    const script = `require('node:v8').setFlagsFromString('--heap-growing-percent=${heapGrowingPercent}'); require('node:v8').setFlagsFromString('--no-such-flag-for-sure');`;
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    // V8 names the flag it does not know, and only that one.
    expect(run.stderr).toMatch(/no-such-flag-for-sure/);
    expect(run.stderr).not.toMatch(/heap-growing-percent/);
  });
});
