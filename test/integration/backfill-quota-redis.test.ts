import pino from 'pino';
import type { Quota, QuotaSource, Sleep } from '../../src/backfill/quota';
import { backfillQuotas } from '../../src/parts/backfill-quotas';
import { createStops, type Stops } from '../../src/parts/stops';
import { startRedis, type TestServer } from '../helpers/servers';
import { until } from '../helpers/wait';

/**
 * Virtual time for several pods at once: it stands still while any pod works (talks to Redis), and
 * when every pod still running sleeps, it jumps to the earliest wake-up. A call's recorded time is
 * then the time its quota decided on it.
 */
function virtualTime(start: number) {
  const time = { now: start };
  const sleepers: { at: number; wake: () => void }[] = [];
  const sleep: Sleep = (ms) => new Promise<void>((wake) => void sleepers.push({ at: time.now + ms, wake }));
  async function run<T>(pods: Promise<T>[]): Promise<T[]> {
    let finished = 0;
    const all = Promise.all(pods.map((pod) => pod.finally(() => (finished += 1))));
    const wakeEarliest = () => {
      if (sleepers.length === 0 || sleepers.length < pods.length - finished) return;
      const at = Math.min(...sleepers.map((s) => s.at));
      time.now = Math.max(time.now, at);
      for (const sleeper of sleepers.filter((s) => s.at === at)) {
        sleepers.splice(sleepers.indexOf(sleeper), 1);
        sleeper.wake();
      }
    };
    await until(() => finished === pods.length, { timeoutMs: 60_000, step: wakeEarliest, what: 'every pod to make its calls' });
    return all;
  }
  return { clock: () => time.now, sleep, run };
}

/** One pod's quota source with its own Redis client and its log lines. */
function pod(url: string, podShare: number, time: ReturnType<typeof virtualTime>, stops: Stops) {
  const logs: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as { level: number; msg: string }) });
  const quotas: QuotaSource = backfillQuotas({ redisUrl: url, podShare }, { logger, clock: time.clock, stops, pacing: { clock: time.clock, sleep: time.sleep } });
  const said = (words: string) => logs.filter((line) => line.msg.includes(words)).length;
  // Calls before the first connection are counted by the pod alone (Redis never learns of them).
  const connected = () => until(() => said('Redis reached') === 1, { what: 'the pod to reach Redis' });
  return { quotas, said, connected };
}

/** Takes `calls` calls and returns the time each one was let through. */
async function calls(quota: Quota, count: number, clock: () => number): Promise<number[]> {
  const at: number[] = [];
  for (let i = 0; i < count; i += 1) {
    await quota.take();
    at.push(clock());
  }
  return at;
}

/** The most calls let through in one second of the clock (the windows the vendor counts). */
const busiestSecond = (times: readonly number[]): number => {
  const perSecond = new Map<number, number>();
  for (const t of times) perSecond.set(Math.floor(t / 1000), (perSecond.get(Math.floor(t / 1000)) ?? 0) + 1);
  return Math.max(...perSecond.values());
};

describe('backfill history quotas shared through Redis', () => {
  let redis: TestServer;
  let stops: Stops;
  const start = 1_800_000_000_000;
  const rate = { perSecond: 10 };
  beforeAll(async () => {
    redis = await startRedis();
  });
  beforeEach(() => {
    stops = createStops();
  });
  afterEach(async () => {
    await stops.run();
  });
  afterAll(async () => {
    await redis.destroy();
  });
  const key = () => ({ vendor: 'tencent', app: `14${Date.now()}`, api: 'tencent/admin_getroammsg' }) as const;

  test('When two pods read the same API of the same app, then together they never go over the rate in any second, and each goes evenly', async () => {
    const time = virtualTime(start);
    const [a, b] = [pod(redis.url, 1, time, stops), pod(redis.url, 1, time, stops)];
    const api = key();
    const [quotaA, quotaB] = [a.quotas(api, rate), b.quotas(api, rate)];
    await Promise.all([a.connected(), b.connected()]);

    const [first, second] = await time.run([calls(quotaA, 20, time.clock), calls(quotaB, 20, time.clock)]);

    expect(busiestSecond([...first!, ...second!])).toBe(10);
    expect(Math.max(...first!, ...second!)).toBeLessThan(start + 4000);
    const gaps = [first!, second!].flatMap((times) => times.slice(1).map((t, i) => t - times[i]!));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(100);
    expect(a.said('Redis is away')).toBe(0);
  });

  test('When another app or API is read, then it has its own count', async () => {
    const time = virtualTime(start);
    const [a, b] = [pod(redis.url, 0.5, time, stops), pod(redis.url, 0.5, time, stops)];
    const api = key();
    const [quotaA, quotaB, quotaC] = [a.quotas(api, rate), b.quotas({ ...api, api: 'tencent/group_msg_get_simple' }, rate), b.quotas({ ...api, app: `${api.app}0` }, rate)];
    await Promise.all([a.connected(), b.connected()]);

    const [first, second, third] = await time.run([calls(quotaA, 10, time.clock), calls(quotaB, 10, time.clock), calls(quotaC, 10, time.clock)]);

    expect(Math.max(...first!, ...second!, ...third!)).toBeLessThan(start + 1000);
  });

  test('When Redis stops mid-run, then each pod goes on at its share and says so once; when Redis is back, the pods share the whole rate again', async () => {
    const time = virtualTime(start);
    const [a, b] = [pod(redis.url, 0.5, time, stops), pod(redis.url, 0.5, time, stops)];
    const api = key();
    const [quotaA, quotaB] = [a.quotas(api, rate), b.quotas(api, rate)];
    await Promise.all([a.connected(), b.connected()]);
    const shared = await time.run([calls(quotaA, 10, time.clock), calls(quotaB, 10, time.clock)]);

    await redis.stop();
    await until(() => a.said('Redis is away') === 1 && b.said('Redis is away') === 1, { what: 'both pods to notice Redis is away' });
    const [awayA, awayB] = await time.run([calls(quotaA, 10, time.clock), calls(quotaB, 10, time.clock)]);
    await redis.start();
    await until(() => a.said('Redis is back') === 1 && b.said('Redis is back') === 1, { timeoutMs: 20_000, what: 'both pods to reconnect' });
    const [back] = await time.run([calls(quotaA, 20, time.clock)]);

    expect(busiestSecond(shared.flat())).toBe(10);
    expect([busiestSecond(awayA!), busiestSecond(awayB!)]).toEqual([5, 5]);
    expect(awayA!.at(-1)! - awayA![0]!).toBeLessThan(2000);
    expect(busiestSecond(back!)).toBe(10);
    expect([a.said('Redis is away'), b.said('Redis is away'), a.said('Redis is back')]).toEqual([1, 1, 1]);
  });
});
