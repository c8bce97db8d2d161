import type { PodAnswer } from '../../../../src/admin/console/fleet';
import { mergeOverview, type PodOverview } from '../../../../src/admin/console/merge-overview';

const pod = (name: string, pending: number, oldest: number, samples: PodOverview['samples']): PodAnswer<PodOverview> => ({
  pod: name,
  ok: true,
  status: 200,
  data: { stats: { events: 10, storedBytes: 100, quarantined: 1, sinks: [{ sink: 'web', pending, oldestReceivedAt: oldest, dead: 2 }] }, samples },
});

describe('mergeOverview', () => {
  test('When two pods answer and one does not, then figures add up over the two, the oldest is the oldest of any, and the result is partial', () => {
    const answers = [
      pod('gw-0', 3, 5_000, [{ at: 10_020, values: { 'callbacks|tencent|accepted': 2, 'oldest|web': 4 } }]),
      pod('gw-1', 4, 2_000, [{ at: 10_480, values: { 'callbacks|tencent|accepted': 5, 'oldest|web': 9 } }]),
      { pod: 'gw-2', ok: false as const, error: 'no answer within 2000 ms' },
    ];

    const merged = mergeOverview(answers);

    expect(merged.partial).toBe(true);
    expect(merged.pods.find((p) => p.pod === 'gw-2')).toEqual({ pod: 'gw-2', ok: false, error: 'no answer within 2000 ms' });
    expect(merged.events).toBe(20);
    expect(merged.sinks).toEqual([{ sink: 'web', pending: 7, oldestReceivedAt: 2_000, dead: 4 }]);
    expect(merged.samples).toEqual([{ at: 10_000, values: { 'callbacks|tencent|accepted': 7, 'oldest|web': 9 } }]);
  });

  test('When every pod answers, then the result is not partial', () => {
    expect(mergeOverview([pod('gw-0', 0, 1, [])]).partial).toBe(false);
  });
});
