import { backoffDelay } from '../../../src/pipeline/retry';

const policy = { retryInitialMs: 100, retryMaxMs: 5000 };

describe('backoffDelay', () => {
  test.each([
    [0, 100],
    [1, 200],
    [3, 800],
    [6, 5000],
    [40, 5000],
  ])('When attempt %i fails, then the delay is drawn below %i ms', (attempt, ceiling) => {
    expect(backoffDelay(attempt, policy, () => 0.999999)).toBe(ceiling - 1);
    expect(backoffDelay(attempt, policy, () => 0)).toBe(0);
    expect(backoffDelay(attempt, policy, () => 0.5)).toBe(Math.floor(ceiling / 2));
  });
});
