import { performance } from 'node:perf_hooks';
import { createPace, processLoop, waitFor, type LoopMeter } from '../../../src/backfill/pace';
import { turnCounter } from '../../helpers/wait';

/** An event loop the test drives: `idle(ms)` and `busy(ms)` move its clock; nothing waits on real time. */
function fakeLoop(): LoopMeter & { idle(ms: number): void; busy(ms: number): void } {
  let now = 1_000;
  let busy = 0;
  return {
    now: () => now,
    busyMs: () => busy,
    idle: (ms) => void (now += ms),
    busy: (ms) => {
      now += ms;
      busy += ms;
    },
  };
}

/** A pace on `loop` that records each rest it asks for instead of waiting. */
function recordedPace(loop: LoopMeter) {
  const rests: number[] = [];
  const pace = createPace({ loop, wait: async (ms) => void rests.push(ms) });
  return { pace, rests };
}

describe('backfill pace', () => {
  test('When a step kept the event loop busy the whole time, then the rest leaves it idle 40 % of the time', async () => {
    const loop = fakeLoop();
    const { pace, rests } = recordedPace(loop);
    loop.busy(30);
    await pace.rest();
    // 30 ms busy: the rest is the 20 ms that brings the loop down to 60 % busy (30 of 50).
    expect(rests).toEqual([20]);
  });

  test('When the event loop was idle most of the time since the last rest, then a busy step rests only one turn of the loop (the quota paces the backfill)', async () => {
    const loop = fakeLoop();
    const { pace, rests } = recordedPace(loop);
    loop.idle(150);
    loop.busy(30);
    await pace.rest();
    // 30 ms busy of 180: far below 60 %, so no timer.
    expect(rests).toEqual([0]);
  });

  test('When a step was heavy, then the rest is never more than 100 ms', async () => {
    const loop = fakeLoop();
    const { pace, rests } = recordedPace(loop);
    loop.busy(600);
    await pace.rest();
    // 600 / 0.6 - 600 = 400, capped.
    expect(rests).toEqual([100]);
  });

  test('When a rest ends, then the next one measures busy time and elapsed time from there', async () => {
    const loop = fakeLoop();
    const { pace, rests } = recordedPace(loop);
    loop.busy(30);
    await pace.rest();
    loop.idle(5);
    loop.busy(30);
    await pace.rest();
    // 30 ms busy (rest 20), then 30 of 35 since the last rest: 30 / 0.6 - 35 = 15 (counted from the
    // start, 60 of 65 would rest 35; keeping the first busy time, 60 of 35 would rest 65).
    expect(rests).toEqual([20, 15]);
  });

  test('When steps running side by side ask for a rest while one rests, then they join that rest: one rest for all of them, and the next measures from its end', async () => {
    const loop = fakeLoop();
    const rests: number[] = [];
    const ends: (() => void)[] = [];
    const pace = createPace({ loop, wait: (ms) => new Promise<void>((resolve) => {
      rests.push(ms);
      ends.push(resolve);
    }) });
    loop.busy(30);

    const first = pace.rest();
    loop.busy(12);
    const others = [pace.rest(), pace.rest()];
    expect(rests).toEqual([20]);
    ends[0]!();
    await Promise.all([first, ...others]);
    loop.busy(30);
    const next = pace.rest();

    // Each on a pace of its own, the two others would have rested again at once (42 busy of 42).
    expect(rests).toEqual([20, 20]);
    ends[1]!();
    await next;
  });

  test('When a rest fails, even before it waits, then the next one is a rest of its own, not that failure again', async () => {
    const loop = fakeLoop();
    const asked: number[] = [];
    const pace = createPace({ loop, wait: (ms) => {
      asked.push(ms);
      if (asked.length === 1) throw new Error('no timer');
      return Promise.resolve();
    } });
    loop.busy(30);

    await expect(pace.rest()).rejects.toThrow('no timer');
    loop.busy(30);
    await pace.rest();

    expect(asked).toEqual([20, 20]);
  });

  test('When the rest is under a millisecond, then it is one turn of the event loop, not a timer', async () => {
    const turns = turnCounter();
    try {
      const before = turns.turns;
      await waitFor(0);
      expect(turns.turns - before).toBeLessThanOrEqual(2);
    } finally {
      turns.stop();
    }
  });

  test("The process's own loop meter counts work that holds the event loop as busy", () => {
    const busyBefore = processLoop.busyMs();
    const started = performance.now();
    while (performance.now() - started < 20);
    // The loop's active time is wall time outside its wait for I/O: a stretch of synchronous work counts whole.
    expect(processLoop.busyMs() - busyBefore).toBeGreaterThanOrEqual(19);
  });
});
