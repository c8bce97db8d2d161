import { performance } from 'node:perf_hooks';
import { inOrder, mapInSlices } from '../../../src/backfill/slices';
import { turnCounter, until } from '../../helpers/wait';

/** Keeps the event loop busy for `ms` (the work of making one fetched message into an event). */
const busy = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

describe('backfill slices', () => {
  test('When items are mapped, then the event loop turns at least every millisecond of work, and the results keep their order', async () => {
    const turns = turnCounter();
    try {
      const seen: number[] = [];
      const results = await mapInSlices([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], (n) => {
        seen.push(turns.turns);
        busy(0.5);
        return n * 10;
      });

      expect(results).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
      // 5 ms of work in slices of 1 ms: the loop turned (a callback could get in) at least four times.
      expect((seen.at(-1) ?? 0) - (seen[0] ?? 0)).toBeGreaterThanOrEqual(4);
    } finally {
      turns.stop();
    }
  });

  test('When calls are run in order with a depth, then that many are in flight at once, and their results come in the order they were started', async () => {
    const answers = new Map<number, () => void>();
    const started: number[] = [];
    const calls = [1, 2, 3, 4, 5].map((n) => () => {
      started.push(n);
      // Answered in reverse: the last call in flight answers first.
      return new Promise<number>((resolve) => answers.set(n, () => resolve(n * 10)));
    });
    const results: number[] = [];
    const startedWhenHandedOut: number[] = [];

    const reading = (async () => {
      for await (const result of inOrder(calls, 3)) {
        results.push(result);
        startedWhenHandedOut.push(started.length);
      }
    })();
    await until(() => started.length === 3);
    const inFlightAtFirst = started.length;
    for (const n of [3, 2, 1]) answers.get(n)?.();
    await until(() => started.length === 5);
    for (const n of [5, 4]) answers.get(n)?.();
    await reading;

    expect(inFlightAtFirst).toBe(3);
    expect(results).toEqual([10, 20, 30, 40, 50]);
    expect(startedWhenHandedOut).toEqual([4, 5, 5, 5, 5]);
  });

  test('When the reader stops early or a call fails, then the calls still in flight are aborted and the failure is thrown in its turn', async () => {
    const aborted: number[] = [];
    const call = (n: number, fails = false) => (signal: AbortSignal) =>
      new Promise<number>((resolve, reject) => {
        if (fails) reject(new Error(`call ${n} failed`));
        else if (n === 1) resolve(n);
        else signal.addEventListener('abort', () => (aborted.push(n), reject(new Error('aborted'))));
      });

    for await (const result of inOrder([call(1), call(2), call(3)], 3)) if (result === 1) break;
    const afterStop = [...aborted];
    aborted.length = 0;
    const read = async () => {
      for await (const result of inOrder([call(1), call(2, true), call(3)], 3)) void result;
    };

    expect(afterStop).toEqual([2, 3]);
    await expect(read()).rejects.toThrow('call 2 failed');
    expect(aborted).toEqual([3]);
  });
});
