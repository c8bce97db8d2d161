import { createRoundTrips, firstConversationsInFlight, maxConversationsInFlight } from '../../../src/backfill/round-trips';

describe('conversations read side by side, from the round trips', () => {
  test('When no call has answered yet, then two conversations are read at once', () => {
    expect(createRoundTrips(200).wanted.now()).toBe(firstConversationsInFlight);
    expect(firstConversationsInFlight).toBe(2);
  });

  test('When calls take 40 ms at 200 calls a second, then 8 are in flight and one more: 9 conversations; at 1 ms, 2; at 80 ms and 100 calls a second, 9', () => {
    const cases: [number, number, number][] = [[200, 40, 9], [200, 1, 2], [100, 80, 9], [200, 0, 1]];
    for (const [perSecond, ms, expected] of cases) {
      const trips = createRoundTrips(perSecond);
      for (let i = 0; i < 3; i += 1) trips.record(ms);
      expect([perSecond, ms, trips.wanted.now()]).toEqual([perSecond, ms, expected]);
    }
  });

  test('When the round trips are very long, then no more than the most conversations are read at once', () => {
    const trips = createRoundTrips(200);
    trips.record(5_000);
    expect(trips.wanted.now()).toBe(maxConversationsInFlight);
  });

  test('When round trips change, then the average follows (each call weighs a fifth) and every watcher is told after each call; one that stopped is not', () => {
    const trips = createRoundTrips(100);
    const told: number[] = [];
    const stopped: number[] = [];
    trips.wanted.watch(() => told.push(trips.wanted.now()));
    trips.wanted.watch(() => stopped.push(1))();

    trips.record(10);
    trips.record(60);
    trips.record(Number.NaN);
    trips.record(-5);

    // 10 ms: 1 + 1; then 10 × 0.8 + 60 × 0.2 = 20 ms: 2 + 1. A time that is not one is ignored, unannounced.
    expect(told).toEqual([2, 3]);
    expect(stopped).toEqual([]);
  });
});
