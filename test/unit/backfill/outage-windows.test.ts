import { outageWindows, windowMarginMs } from '../../../src/backfill/outage-windows';
import type { Gap } from '../../../src/pipeline/spool/gaps';

const outage = (fromAt: number, untilAt: number): Gap => ({ gid: 7, kind: 'outage', fromAt, untilAt, detectedAt: untilAt, state: 'open' });

describe('outage windows', () => {
  test('When an outage lasted longer than the threshold, then each configured vendor gets one window a margin wider on each side, and the note names them', () => {
    const split = outageWindows({ minOutageMs: 60_000, vendors: ['tencent', 'netease'] });

    const made = split(outage(1_000_000, 1_060_001));

    expect(made?.windows).toEqual([
      { kind: 'window', vendor: 'tencent', fromAt: 1_000_000 - windowMarginMs, untilAt: 1_060_001 + windowMarginMs, note: 'outage 7' },
      { kind: 'window', vendor: 'netease', fromAt: 1_000_000 - windowMarginMs, untilAt: 1_060_001 + windowMarginMs, note: 'outage 7' },
    ]);
    expect(made?.note).toContain('tencent, netease');
  });

  test('When an outage lasted no longer than the threshold, or no vendor has backfill configured, then it is not split', () => {
    expect(outageWindows({ minOutageMs: 60_000, vendors: ['tencent'] })(outage(0, 60_000))).toBeUndefined();
    expect(outageWindows({ minOutageMs: 0, vendors: [] })(outage(0, 600_000))).toBeUndefined();
  });
});
