import { performance } from 'node:perf_hooks';
import { mapInSlices, readAhead } from '../../../src/backfill/slices';
import { turnCounter } from '../../helpers/wait';

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

  test('When a source is read ahead, then the next items (as many as the depth) are asked for while the current one is worked on, and stopping early ends the source', async () => {
    const asked: number[] = [];
    let finished = false;
    async function* source() {
      try {
        for (let i = 1; i <= 5; i += 1) {
          asked.push(i);
          yield i;
        }
      } finally {
        finished = true;
      }
    }

    const askedWhenHandedOut: number[] = [];
    for await (const item of readAhead(source(), 1)) {
      await Promise.resolve();
      askedWhenHandedOut.push(asked.length);
      if (item === 3) break;
    }
    const twoAhead: number[] = [];
    asked.length = 0;
    for await (const item of readAhead(source(), 2)) {
      await Promise.resolve();
      await Promise.resolve();
      twoAhead.push(asked.length);
      if (item === 3) break;
    }

    expect(askedWhenHandedOut).toEqual([2, 3, 4]);
    expect(twoAhead).toEqual([3, 4, 5]);
    expect(finished).toBe(true);
  });
});
