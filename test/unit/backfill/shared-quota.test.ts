import { localQuotas } from '../../../src/backfill/quota';
import { createSharedQuota, type SharedLimiter } from '../../../src/backfill/shared-quota';
import { windowQuota } from '../../../src/parts/backfill-quotas';

/** A limiter that answers from a script: undefined takes the call, a number refuses it with that wait. */
function scriptedLimiter(answers: (number | undefined)[], shared = true): SharedLimiter & { asked: number } {
  const limiter = {
    asked: 0,
    shared: () => shared,
    take: async () => {
      limiter.asked += 1;
      return answers.shift();
    },
  };
  return limiter;
}

describe('backfill quota shared by every pod', () => {
  const time = () => {
    const t = { now: 0, waits: [] as number[] };
    return { t, clock: () => t.now, sleep: async (ms: number) => void (t.waits.push(ms), (t.now += ms)) };
  };

  test('When the shared limiter refuses a call, then the call waits what the limiter said and is asked for again', async () => {
    const { t, clock, sleep } = time();
    const limiter = scriptedLimiter([700, undefined]);
    const quota = createSharedQuota({ perSecond: 10, podShare: 0.5, limiter, clock, sleep });

    await quota.take();

    expect(limiter.asked).toBe(2);
    expect(t.waits).toEqual([700]);
  });

  test('When the count is shared, then the pod paces itself to the whole rate; when it is not, to its share', async () => {
    const shared = time();
    const alone = time();
    const whole = createSharedQuota({ perSecond: 10, podShare: 0.25, limiter: scriptedLimiter([]), clock: shared.clock, sleep: shared.sleep });
    const share = createSharedQuota({ perSecond: 10, podShare: 0.25, limiter: scriptedLimiter([], false), clock: alone.clock, sleep: alone.sleep });

    for (let i = 0; i < 3; i += 1) await Promise.all([whole.take(), share.take()]);

    expect(shared.t.waits).toEqual([100, 100]);
    expect(alone.t.waits).toEqual([400, 400]);
  });

  test('When the stop comes during a long wait for the limiter, then the call is given up at once', async () => {
    const quota = createSharedQuota({ perSecond: 1 / 60, podShare: 1, limiter: scriptedLimiter([60_000]) });
    const stop = new AbortController();

    const taking = quota.take(stop.signal);
    stop.abort(new Error('stopping'));

    await expect(taking).rejects.toThrow('stopping');
  });

  test('When no Redis is configured, then each vendor, app and API has one quota at the pod share', async () => {
    const quotas = localQuotas(0.5);
    const key = { vendor: 'tencent', app: '1400000001', api: 'tencent/admin_getroammsg' } as const;

    expect(quotas(key, { perSecond: 200 })).toBe(quotas(key, { perSecond: 200 }));
    expect(quotas({ ...key, app: '1400000002' }, { perSecond: 200 })).not.toBe(quotas(key, { perSecond: 200 }));
  });

  test.each([
    [200, { callsPerSecond: 200, messages: 200, windowSeconds: 1 }],
    [2.5, { callsPerSecond: 2, messages: 2, windowSeconds: 1 }],
    [5 / 60, { callsPerSecond: 1, messages: 1, windowSeconds: 12 }],
    [7 / 60, { callsPerSecond: 1, messages: 1, windowSeconds: 9 }],
  ])('When the rate is %d calls a second, then the shared count keeps %o', (perSecond, expected) => {
    expect(windowQuota(perSecond)).toEqual({ ...expected, recipientsPerCall: 1 });
  });
});
