import { Registry } from 'prom-client';
import { createMetrics } from '../../../src/metrics';
import { createIngestGuard } from '../../../src/pipeline/ingest-guard';
import { metricValue } from '../../helpers/app';

/** A guard on a clock the test moves, and a commit of `ms` milliseconds observed at once. */
function guardAt(options: Parameters<typeof createIngestGuard>[0] = {}) {
  let now = 1_000;
  const guard = createIngestGuard({ ...options, now: () => now });
  return {
    guard,
    commit(ms: number) {
      const startedAt = now;
      now += ms;
      guard.observe(startedAt);
    },
    advance(ms: number) {
      now += ms;
    },
  };
}

describe('ingest guard', () => {
  test('When callbacks commit in their usual time, then background work keeps its usual pace', () => {
    const { guard, commit } = guardAt();
    for (let i = 0; i < 500; i += 1) commit(i % 10 === 0 ? 3 : 1);

    expect(guard.factor()).toBe(1);
    expect(guard.slowCommits).toBe(0);
  });

  test('When a commit takes far longer than the usual ones, then each such commit doubles the factor, up to the largest', () => {
    const { guard, commit } = guardAt({ maxFactor: 16 });
    for (let i = 0; i < 200; i += 1) commit(1);

    commit(20);
    expect(guard.factor()).toBe(2);
    commit(1);
    commit(25);
    expect(guard.factor()).toBeCloseTo(4, 1);
    for (let i = 0; i < 5; i += 1) commit(30);

    expect(guard.factor()).toBeCloseTo(16, 1);
    expect(guard.slowCommits).toBe(7);
  });

  test('When no commit stands out for a while, then the factor halves every half-life back to 1', () => {
    const { guard, commit, advance } = guardAt({ halfLifeMs: 5000 });
    for (let i = 0; i < 200; i += 1) commit(1);
    commit(20);
    commit(20);
    commit(20);
    const raised = guard.factor();
    expect(raised).toBeGreaterThan(7.9);

    advance(5000);
    expect(guard.factor()).toBeCloseTo(raised / 2, 5);
    advance(5000);
    expect(guard.factor()).toBeCloseTo(raised / 4, 5);
    advance(60_000);
    expect(guard.factor()).toBe(1);
  });

  test('When every commit is slow (a saturated gateway), then the typical time is theirs and background work is not held back for it', () => {
    const { guard, commit } = guardAt();

    for (let i = 0; i < 2000; i += 1) commit(40 + (i % 7));

    expect(guard.slowCommits).toBe(0);
    expect(guard.factor()).toBe(1);
  });

  test('When the first commits after a start are slow (a cold start), then they set the usual time and none of them counts as slow', () => {
    const { guard, commit } = guardAt();

    for (let i = 0; i < 64; i += 1) commit(i < 10 ? 50 : 1);

    expect(guard.slowCommits).toBe(0);
    expect(guard.factor()).toBe(1);
  });

  test('When one commit stalls for seconds, then a later slow commit still stands out from the usual ones', () => {
    const { guard, commit } = guardAt();
    for (let i = 0; i < 200; i += 1) commit(1);
    commit(30_000);
    for (let i = 0; i < 10; i += 1) commit(1);
    const before = guard.slowCommits;

    commit(20);

    expect(guard.slowCommits).toBe(before + 1);
  });

  test('When a commit is slower than the usual one but under the floor, then it is not a slow one', () => {
    const { guard, commit } = guardAt({ floorMs: 8 });
    for (let i = 0; i < 200; i += 1) commit(0.5);

    commit(7.9);
    expect(guard.slowCommits).toBe(0);
    commit(8.5);
    expect(guard.slowCommits).toBe(1);
  });

  test('When large background work starts (hold), then the factor is the largest at once and halves every half-life while callbacks fare as usual', () => {
    const { guard, commit, advance } = guardAt({ maxFactor: 16, halfLifeMs: 10_000 });
    for (let i = 0; i < 200; i += 1) commit(1);

    guard.hold();
    const held = guard.factor();
    advance(10_000);
    const later = guard.factor();

    expect(held).toBe(16);
    expect(later).toBeCloseTo(8, 5);
    expect(guard.slowCommits).toBe(0);
  });

  test('When the metrics watch the guard, then imgw_background_yield_factor reports its factor at each scrape', async () => {
    const registry = new Registry();
    const { guard, advance } = guardAt({ maxFactor: 16, halfLifeMs: 10_000 });
    createMetrics(registry, []).watchYieldFactor(guard.factor);
    const calm = await metricValue(registry, 'imgw_background_yield_factor');

    guard.hold();
    const held = await metricValue(registry, 'imgw_background_yield_factor');
    advance(20_000);
    const later = await metricValue(registry, 'imgw_background_yield_factor');

    expect([calm, held]).toEqual([1, 16]);
    expect(later).toBeCloseTo(4, 5);
  });
});
