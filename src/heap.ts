import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past what survived the last full collection before the next
 * one, in percent. V8's own factor goes up to 4x when collections are cheap next to the work between
 * them, which is the case under steady callback load: the heap then fills with short-lived garbage
 * promoted out of the young generation (requests, ids and rows waiting a few milliseconds for a disk
 * flush or a sink write) and resident memory settles far above what is live. A fixed 1.3x keeps the
 * process at about 140 MiB under saturation instead of 180-220 MiB, for the same CPU per callback
 * (README, Performance).
 */
export const heapGrowingPercent = 30;

/**
 * Sets V8's heap growing factor for this process unless the command line already chose one
 * (`node --heap-growing-percent=N dist/main.js`; V8 reads the setting at every full collection, so
 * setting it at start-up takes effect). Returns the flag it set, if any.
 */
export function tuneHeap(execArgv: readonly string[], set: (flags: string) => void = setFlagsFromString): string | undefined {
  if (execArgv.some((arg) => /^--heap[-_]growing[-_]percent(=|$)/.test(arg))) return undefined;
  const flag = `--heap-growing-percent=${heapGrowingPercent}`;
  set(flag);
  return flag;
}

/**
 * The young generation's size limit the gateway is started with (`npm start`, the image's command,
 * the benchmarks). Node 22 and later let each of V8's two semi-spaces grow to 64 MiB on a machine with
 * a few GiB of memory (Node 20: 16 MiB): under callback load the young generation alone then holds up
 * to 128 MiB, most of it garbage, and peak RSS rose from about 140 to 190–270 MiB. 8 MiB rather than
 * 16: with one collector helper (`gcHelpersFlag`) peak RSS was 15–16 MiB lower for the same CPU per
 * callback and throughput (2026-12-06, one core). V8 reads the limit only when the isolate is
 * created, so it must be on the command line (or in `NODE_OPTIONS`).
 */
export const semiSpaceFlag = '--max-semi-space-size=8';

/**
 * V8's helper threads for the collector's parallel and concurrent work sized to the CPUs the process
 * may use, less the one the event loop runs on (at least one), instead of Node's fixed four. With one
 * or two CPUs (a pod's CPU limit counts) that is one helper: four helpers took turns with the event
 * loop on the same core, and callbacks waited behind them. At 1,900 callbacks/s on one core p99 fell
 * from 39 to 27 ms for the same CPU per callback, at saturation about 2 % more callbacks per second;
 * peak RSS rose by 7–14 MiB (marking with one helper finishes later). A Node option read when the
 * process starts: on the command line (or in `NODE_OPTIONS`).
 */
export const gcHelpersFlag = '--v8-pool-size=0';

/**
 * V8's optimizing compiler run on the event loop's thread instead of a helper thread. A compile job's
 * scratch memory (its zones, several MiB for a large function) is malloc'ed on the thread that compiles;
 * on a helper thread that is an arena of its own, which kept about 18 MiB resident after the jobs had
 * finished (glibc rarely gives a secondary arena's memory back). On the event loop's thread the same
 * memory is reused. On one core, spool mode at saturation: peak RSS 135 against 156 MiB, 1.03× the
 * callbacks per second, CPU per callback 0.98×, p99 30.5 against 32 ms; at 2,100/s p99 27.9 against
 * 29.8 ms for the same CPU; on two cores 1.06× the callbacks per second at 0.83× the CPU per callback,
 * 143 against 160 MiB (bench/README, "Peak RSS"). The cost: for about a minute after a start, at a low
 * rate, compile jobs hold the event loop and callbacks' p99 is higher (9–30 ms against 4–7 at 200/s).
 * Read when the process starts: on the command line.
 */
export const compileOnMainFlag = '--no-concurrent-recompilation';

/** Whether the process was started with a semi-space limit (on its command line or in `NODE_OPTIONS`). */
export function semiSpaceGiven(execArgv: readonly string[], nodeOptions = ''): boolean {
  return [...execArgv, ...nodeOptions.split(/\s+/)].some((arg) => /^--max[-_]semi[-_]space[-_]size(=|$)/.test(arg));
}

/**
 * The heap growing percent while a backfill is fetching (300: V8's own highest factor, 4×). A fill
 * allocates about 24 KB per message, 100 MB a second, and the events waiting for their delivery move
 * to the old generation at about 8 MB a second: held to 1.3×, the old generation reached its limit
 * about once a second and each full collection (about 20 ms of marking steps, then a final pause of
 * 5–18 ms) held the callbacks arriving meanwhile. At 4× there were 3 full collections in a benchmark
 * run instead of 25–28, and callbacks' p99 during a fill fell from 23–35 to 13–21 ms, for a peak RSS
 * of 256 against 157 MiB while filling (bench/README, "The heap during a fill"). Only while a fill
 * runs: afterwards the next full collection holds the heap to 1.3× again.
 */
export const fillHeapGrowingPercent = 300;

/** Runs a backfill's work with the heap growing factor it needs. */
export type FillHeap = { during<T>(work: () => Promise<T>): Promise<T> };

/** Leaves the heap as it is (in tests, and when the command line chose the factor). */
export const steadyHeap: FillHeap = { during: (work) => work() };

/**
 * Raises V8's heap growing factor to `fillHeapGrowingPercent` while at least one fill runs (fills
 * overlap: the gap worker and Easemob's hourly reconciliation) and sets it back to
 * `heapGrowingPercent` when the last one ends, however it ends. V8 reads the factor at every full
 * collection, so the change applies from the next one.
 */
export function createFillHeap(set: (flags: string) => void = setFlagsFromString): FillHeap {
  let running = 0;
  return {
    async during(work) {
      if (running === 0) set(`--heap-growing-percent=${fillHeapGrowingPercent}`);
      running += 1;
      try {
        return await work();
      } finally {
        running -= 1;
        if (running === 0) set(`--heap-growing-percent=${heapGrowingPercent}`);
      }
    },
  };
}

/**
 * The fill heap for a process whose start-up `tuneHeap` returned `heapFlag`: one that raises the
 * factor while filling when the gateway set the factor itself, and `steadyHeap` when the command line
 * chose it (that factor is kept for the whole run, fills included).
 */
export function fillHeapFor(heapFlag: string | undefined, set: (flags: string) => void = setFlagsFromString): FillHeap {
  return heapFlag === undefined ? steadyHeap : createFillHeap(set);
}
