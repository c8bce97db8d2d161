import { createRoundTrips, firstConversationsInFlight, maxConversationsInFlight } from '../../../src/backfill/round-trips';

describe('conversations read side by side, from the round trips', () => {
  test('When no call has answered yet, then two conversations are read at once', () => {
    expect(createRoundTrips(200).wanted.now()).toBe(firstConversationsInFlight);
    expect(firstConversationsInFlight).toBe(2);
  });

  test('When calls take 20 ms at 100 calls a second, then twice the 2 in flight, and one more: 5; at 1 ms and 200 a second, 2; at 0 ms, 1', () => {
    const cases: [number, number, number][] = [[100, 20, 5], [200, 1, 2], [200, 0, 1]];
    for (const [perSecond, ms, expected] of cases) {
      const trips = createRoundTrips(perSecond);
      for (let i = 0; i < 3; i += 1) trips.record(ms);
      expect([perSecond, ms, trips.wanted.now()]).toEqual([perSecond, ms, expected]);
    }
  });

  test('When each answer takes time to be handled before the next call, then that time counts in the cycle with the round trip', () => {
    const trips = createRoundTrips(100);
    trips.record(10);
    expect(trips.wanted.now()).toBe(3);
    trips.handled(5);
    // 15 ms a call: 2 × 100 × 0.015 = 3, and one more.
    expect(trips.wanted.now()).toBe(4);
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

    // 10 ms: 2 + 1; then 10 × 0.8 + 60 × 0.2 = 20 ms: 4 + 1. A time that is not one is ignored, unannounced.
    expect(told).toEqual([3, 5]);
    expect(stopped).toEqual([]);
  });
});
