import { cgroupCpuLimit, gcFlagFor, gcThreadsGiven, restartWithGcFlag, singleThreadedGcFlag, usableCpus } from '../../src/gc-threads';

/** A reader of the given files' texts; any other path cannot be read. */
const files =
  (texts: Record<string, string>) =>
  (path: string): string | undefined =>
    texts[path];

describe('cgroupCpuLimit', () => {
  test.each([
    ['cgroup v2 without a limit', { '/sys/fs/cgroup/cpu.max': 'max 100000\n' }, undefined],
    ['cgroup v2, 1.5 CPUs', { '/sys/fs/cgroup/cpu.max': '150000 100000\n' }, 1.5],
    ['cgroup v2, half a CPU', { '/sys/fs/cgroup/cpu.max': '50000 100000\n' }, 0.5],
    ['cgroup v1 without a limit', { '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1\n', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000\n' }, undefined],
    ['cgroup v1, one CPU', { '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '100000\n', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000\n' }, 1],
    ['cgroup v1, a quota without its period', { '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '100000\n' }, undefined],
    ['no cgroup files', {}, undefined],
    ['unreadable text', { '/sys/fs/cgroup/cpu.max': 'garbage\n' }, undefined],
  ])('When the files say %s, then the limit is %s CPUs', (_what, texts, limit) => {
    expect(cgroupCpuLimit(files(texts))).toBe(limit);
  });
});

describe('usableCpus', () => {
  test.each([
    [8, undefined, 8],
    [8, 0.5, 1],
    [8, 1, 1],
    [8, 1.5, 2],
    [1, 4, 1],
    [2, 0.1, 1],
  ])('When the process may run on %s CPUs and its cgroup limit is %s, then it has %s', (cpus, limit, usable) => {
    expect(usableCpus(cpus, limit)).toBe(usable);
  });
});

describe('gcFlagFor', () => {
  test('When the process has one CPU and the command line does not choose, then it asks for the single-threaded collector', () => {
    expect(gcFlagFor(['--max-semi-space-size=16'], 1)).toBe(singleThreadedGcFlag);
  });

  test('When the process has two CPUs, then it asks for nothing', () => {
    expect(gcFlagFor(['--max-semi-space-size=16'], 2)).toBeUndefined();
  });

  test.each(['--single-threaded-gc', '--no-single-threaded-gc', '--single_threaded_gc', '--no-single_threaded_gc'])(
    'When the command line has %s, then it is left as given on one CPU',
    (arg) => {
      expect(gcThreadsGiven([arg])).toBe(true);
      expect(gcFlagFor([arg], 1)).toBeUndefined();
    },
  );
});

describe('restartWithGcFlag', () => {
  const process = (execve?: (file: string, args?: readonly string[], env?: NodeJS.ProcessEnv) => never) => ({
    execPath: '/usr/bin/node',
    execArgv: ['--max-semi-space-size=16'],
    argv: ['/usr/bin/node', '/app/dist/main.js', 'extra'],
    env: { PORT: '8080' },
    execve,
  });

  test('When the process has one CPU, then it replaces itself with the same command, environment and the flag after the Node flags', () => {
    const calls: unknown[][] = [];
    restartWithGcFlag(
      process(((...args: unknown[]) => {
        calls.push(args);
      }) as never),
      () => 1,
    );
    expect(calls).toEqual([['/usr/bin/node', ['/usr/bin/node', '--max-semi-space-size=16', singleThreadedGcFlag, '/app/dist/main.js', 'extra'], { PORT: '8080' }]]);
  });

  test('When the process has two CPUs, then it runs on as started', () => {
    const calls: unknown[] = [];
    restartWithGcFlag(process(((...args: unknown[]) => calls.push(args)) as never), () => 2);
    expect(calls).toEqual([]);
  });

  test('When execve is missing or refused, then it runs on as started', () => {
    expect(() => restartWithGcFlag(process(undefined), () => 1)).not.toThrow();
    expect(() =>
      restartWithGcFlag(
        process((() => {
          throw new Error('ERR_ACCESS_DENIED');
        }) as never),
        () => 1,
      ),
    ).not.toThrow();
  });
});
