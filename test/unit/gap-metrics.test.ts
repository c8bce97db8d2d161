import { Registry } from 'prom-client';
import { createGapMetrics } from '../../src/gap-metrics';
import { noGaps, type GapSummary } from '../../src/pipeline/spool/gaps-summary';
import { metricValue } from '../helpers/app';

describe('gap metrics', () => {
  test('When a window has been open since it was recorded and another was found unfillable, then the gauges say how long and how many, by kind', async () => {
    const registry = new Registry();
    const clock = { now: 50_000_000 };
    const metrics = createGapMetrics([registry], () => clock.now);
    const summary: GapSummary = { ...noGaps, window: { open: 1, oldestOpenFrom: 0, firstOpenDetectedAt: 43_000_000, unfillable: 2 } };

    metrics.verbs.watchGaps({ summary });

    expect(await metricValue(registry, 'imgw_gap_open_longest_seconds', { kind: 'window' })).toBe(7000);
    expect(await metricValue(registry, 'imgw_gap_oldest_open_seconds', { kind: 'window' })).toBe(50_000);
    expect(await metricValue(registry, 'imgw_gaps_unfillable', { kind: 'window' })).toBe(2);
    expect(await metricValue(registry, 'imgw_gap_open_longest_seconds', { kind: 'sequence' })).toBe(0);
    expect(await metricValue(registry, 'imgw_gaps_unfillable', { kind: 'hour' })).toBe(0);
  });

  test('When no gap store is watched yet, then every kind is exported at 0 (so an alert sees the first increase)', async () => {
    const registry = new Registry();
    createGapMetrics([registry], () => 0);

    const text = await registry.metrics();

    for (const kind of ['outage', 'sequence', 'window', 'hour']) {
      expect(text).toContain(`imgw_gaps_unfillable{kind="${kind}"} 0`);
      expect(text).toContain(`imgw_gap_open_longest_seconds{kind="${kind}"} 0`);
    }
  });
});
