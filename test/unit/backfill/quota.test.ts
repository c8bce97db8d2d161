import { createQuota } from '../../../src/backfill/quota';

describe('client-side quota', () => {
  test('When calls are taken faster than the rate, then they are spaced one interval apart after the burst', async () => {
    const now = 0;
    const waits: number[] = [];
    const quota = createQuota({ perSecond: 200, burst: 2, clock: () => now, sleep: async (ms) => void waits.push(ms) });

    for (let i = 0; i < 5; i += 1) await quota.take();

    expect(waits).toEqual([5, 10, 15]);
  });

  test('When the caller was idle, then the next calls go at once up to the burst', async () => {
    let now = 0;
    const waits: number[] = [];
    const quota = createQuota({ perSecond: 10, burst: 3, clock: () => now, sleep: async (ms) => void waits.push(ms) });
    await quota.take();

    now = 10_000;
    for (let i = 0; i < 4; i += 1) await quota.take();

    expect(waits).toEqual([100]);
  });
});
