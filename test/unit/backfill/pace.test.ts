import { performance } from 'node:perf_hooks';
import { createPace } from '../../../src/backfill/pace';
import { turnCounter, until } from '../../helpers/wait';

/** Keeps the event loop busy for `ms` (the work of a backfill page, or of callbacks beside it). */
const busy = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

describe('backfill pace', () => {
  test('When a step kept the event loop busy the whole time, then the rest leaves it idle a quarter of the time', async () => {
    const pace = createPace();
    busy(30);

    const started = performance.now();
    await pace.rest();

    // 30 ms busy of 40: the rest is the 10 ms that brings the loop down to three quarters.
    expect(performance.now() - started).toBeGreaterThanOrEqual(9);
  });

  test('When the event loop was idle most of the time since the last rest, then a busy step rests only one turn of the loop (the quota paces the backfill)', async () => {
    const pace = createPace();
    const idleUntil = performance.now() + 150;
    await until(() => performance.now() >= idleUntil);
    busy(30);

    const turns = turnCounter();
    try {
      await pace.rest();
      // 30 ms busy of about 180: far below three quarters, so the rest is one turn of the loop, not a
      // timer (a timed rest lets the loop turn many times however loaded the machine is).
      expect(turns.turns).toBeLessThanOrEqual(2);
    } finally {
      turns.stop();
    }
  });

  test('When a step was light, then the rest is one turn of the event loop, and never more than 100 ms after heavy work', async () => {
    const turns = turnCounter();
    try {
      const pace = createPace();
      await pace.rest();
      const before = turns.turns;
      await pace.rest();
      expect(turns.turns).toBeGreaterThan(before);

      busy(300);
      const started = performance.now();
      await pace.rest();
      // The longest rest is 100 ms; a loaded machine may fire the timer late. Node's timers count from
      // the event loop's cached clock, so one can end a millisecond or two early against performance.now().
      expect(performance.now() - started).toBeGreaterThanOrEqual(95);
      expect(performance.now() - started).toBeLessThan(5_000);
    } finally {
      turns.stop();
    }
  });
});
