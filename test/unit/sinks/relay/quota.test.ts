import { RetryLaterError } from '../../../../src/sinks/sink';
import { createQuotaLimiter, quotaSchema } from '../../../../src/sinks/relay/quota';

describe('relay quota backoff after refusals', () => {
  let now: number;
  const limiter = () => createQuotaLimiter({ target: 'Test', key: 'app', quotas: { send: quotaSchema(10, 100, 1, 1, 1).parse({}) }, podShare: 1, clock: () => now });
  const backoff = { windowMs: 1000, floorMs: 1, random: () => 0.99 };
  beforeEach(() => {
    now = 1_718_000_000_250;
  });

  test('When eight calls that were out together are refused, then they wait out one strike, not eight', () => {
    const l = limiter();

    const waits = Array.from({ length: 8 }, (_, i) => {
      now += i === 0 ? 0 : 3;
      return l.refused('send', backoff);
    });

    expect(waits[0]).toBe(Math.round(0.99 * 2000));
    expect(Math.max(...waits)).toBeLessThanOrEqual(2000);
    expect(waits.at(-1)).toBe(waits[0]! - 21);
  });

  test('When refusals come a window apart, then each doubles the cap up to a minute, and a call that goes through starts over', async () => {
    const l = limiter();
    const waits: number[] = [];
    for (let strike = 0; strike < 8; strike += 1) {
      waits.push(l.refused('send', backoff));
      now += waits.at(-1)! + 1;
    }
    l.accepted('send');
    const after = l.refused('send', backoff);

    expect(waits).toEqual([1980, 3960, 7920, 15840, 31680, 59400, 59400, 59400]);
    expect(after).toBe(1980);
  });

  test('When a refusal paused the endpoint, then calls wait until the pause ends', async () => {
    const l = limiter();
    const wait = l.refused('send', backoff);

    const error = await l.acquire('send', 1).catch((e: unknown) => e);
    now += wait;

    expect(error).toBeInstanceOf(RetryLaterError);
    expect((error as RetryLaterError).retryAfterMs).toBe(wait);
    await expect(l.acquire('send', 1)).resolves.toEqual({ at: now, until: Math.ceil(now / 1000) * 1000 });
  });
});

describe('relay quota window guard', () => {
  let now: number;
  const window = 1_718_000_000_000;
  const limiter = () => createQuotaLimiter({ target: 'Test', key: 'app', quotas: { send: quotaSchema(10, 1000, 1, 1, 1).parse({}) }, podShare: 1, clock: () => now });
  /** How many of `tries` calls at `now` the limiter lets through. */
  const passed = async (l: ReturnType<typeof limiter>, tries: number) => {
    let ok = 0;
    for (let i = 0; i < tries; i += 1) if (await l.acquire('send', 1).then(() => true, () => false)) ok += 1;
    return ok;
  };
  beforeEach(() => {
    now = window + 100;
  });

  test('When answers come back fast, then a call 110 ms before a window ends counts in that window only', async () => {
    const l = limiter();
    const countedAt = (await l.acquire('send', 1)).at;
    now += 5;
    l.answered(countedAt);
    now = window + 890;

    await passed(l, 1);
    now = window + 1000;

    expect(await passed(l, 10)).toBe(10);
  });

  test('When an answer took 120 ms, then a call 110 ms before a window ends also counts in the next window, where the target may count it', async () => {
    const l = limiter();
    const countedAt = (await l.acquire('send', 1)).at;
    now += 120;
    l.answered(countedAt);
    now = window + 890;

    await passed(l, 1);
    now = window + 1000;

    expect(await passed(l, 10)).toBe(9);
  });

  test('When no answer has come back yet (a gateway just started), then the guard is the longest, 250 ms', async () => {
    const l = limiter();
    now = window + 760;

    await passed(l, 1);
    now = window + 1000;

    expect(await passed(l, 10)).toBe(9);
  });

  test('When a call leaves while its count still covers where it lands, then it stands', async () => {
    const l = limiter();
    const counted = await l.acquire('send', 1);
    now = window + 740;

    await expect(l.leaving('send', counted, 1)).resolves.toBe(counted);
    now = window + 1000;
    expect(await passed(l, 10)).toBe(10);
  });

  test('When a call leaves so late (a held-up gateway) that it may reach the next window, then it is counted again there, or waits when that window is full', async () => {
    const l = limiter();
    const early = await l.acquire('send', 1);
    const late = await l.acquire('send', 1);
    now = window + 990;

    const recounted = await l.leaving('send', early, 1);
    now = window + 1000;
    const left = await passed(l, 10);
    now = window + 1100;
    const error = await l.leaving('send', late, 1).catch((e: unknown) => e);

    expect(recounted).toEqual({ at: window + 990, until: window + 2000 });
    expect(left).toBe(9);
    expect(error).toBeInstanceOf(RetryLaterError);
    expect((error as RetryLaterError).retryAfterMs).toBe(900);
  });

  test('When an answer took seconds, then the guard stays at 250 ms, and 20 s of fast answers later it is back to 50 ms', async () => {
    const l = limiter();
    const countedAt = (await l.acquire('send', 1)).at;
    now += 3000;
    l.answered(countedAt);
    now = window + 5740;
    await passed(l, 1);
    now = window + 6000;
    const outside = await passed(l, 10);
    now = window + 7760;
    await passed(l, 1);
    now = window + 8000;
    const inside = await passed(l, 10);
    now = window + 26_100;
    l.answered(now - 2);
    now = window + 26_940;
    await passed(l, 1);
    now = window + 27_000;

    expect([outside, inside]).toEqual([10, 9]);
    expect(await passed(l, 10)).toBe(10);
  });
});
