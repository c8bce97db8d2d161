import { createRateLimiter } from '../../../src/http/rate-limit';

describe('createRateLimiter', () => {
  test('When the rate is below one per second, then one callback passes now and the next after 1/rate seconds (never refused forever)', () => {
    const clock = { now: 0 };
    const limiter = createRateLimiter(0.5, () => clock.now);

    const first = [limiter.take(), limiter.take()];
    clock.now += 1999;
    const early = limiter.take();
    clock.now += 1;
    const due = limiter.take();

    expect(first).toEqual([true, false]);
    expect(early).toBe(false);
    expect(due).toBe(true);
  });

  test('When the rate is 5/s, then a burst of 5 passes, the 6th is refused, and 200 ms later one more passes', () => {
    const clock = { now: 0 };
    const limiter = createRateLimiter(5, () => clock.now);

    const burst = Array.from({ length: 6 }, () => limiter.take());
    clock.now += 200;

    expect(burst).toEqual([true, true, true, true, true, false]);
    expect(limiter.take()).toBe(true);
    expect(limiter.take()).toBe(false);
  });

  test('When the rate is 0, then nothing is limited', () => {
    const limiter = createRateLimiter(0, () => 0);

    expect(Array.from({ length: 1000 }, () => limiter.take()).every(Boolean)).toBe(true);
  });
});
