import { performance } from 'node:perf_hooks';
import { createPace } from '../../../src/backfill/pace';
import { turnCounter } from '../../helpers/wait';

/** Keeps the event loop busy for `ms` (the work of a backfill page, or of callbacks beside it). */
const busy = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

describe('backfill pace', () => {
  test('When a step kept the event loop busy for 30 ms, then the rest after it lasts at least that long', async () => {
    const pace = createPace();
    busy(30);

    const started = performance.now();
    await pace.rest();

    expect(performance.now() - started).toBeGreaterThanOrEqual(29);
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
      // The longest rest is 100 ms; a loaded machine may fire the timer late, never early.
      expect(performance.now() - started).toBeGreaterThanOrEqual(99);
      expect(performance.now() - started).toBeLessThan(5_000);
    } finally {
      turns.stop();
    }
  });
});
