import Redis from 'ioredis';
import { RetryLaterError } from '../../../../src/sinks/sink';
import { createSendLimiter, quotasSchema, type Endpoint, type SendLimiter } from '../../../../src/sinks/relay/easemob/limiter';
import { windowGuardMs } from '../../../../src/sinks/relay/transit-guard';
import { startRedis, type TestServer } from '../../../helpers/servers';

/** Counts how many acquisitions of `endpoint` pass, trying `tries` times with `recipients` each. */
async function passed(limiter: SendLimiter, endpoint: Endpoint, tries: number, recipients = 1): Promise<{ ok: number; waits: number[] }> {
  const results = await Promise.all(Array.from({ length: tries }, () => limiter.acquire(endpoint, recipients).then(() => undefined, (e: unknown) => e)));
  const waits = results.filter((r): r is RetryLaterError => r instanceof RetryLaterError).map((r) => r.retryAfterMs);
  const other = results.find((r) => r !== undefined && !(r instanceof RetryLaterError));
  if (other) throw other;
  return { ok: results.length - waits.length, waits };
}

describe('Easemob client-side quotas', () => {
  let now: number;
  const clock = () => now;
  beforeEach(() => {
    now = 1_718_000_000_250;
  });

  test('When the defaults apply, then they are the documented quotas', () => {
    expect(quotasSchema.parse({})).toEqual({
      users: { callsPerSecond: 100, messages: 6000, windowSeconds: 60, recipientsPerCall: 600 },
      chatgroups: { callsPerSecond: 20, messages: 20, windowSeconds: 1, recipientsPerCall: 3 },
      chatrooms: { callsPerSecond: 20, messages: 100, windowSeconds: 1, recipientsPerCall: 10 },
    });
    expect(quotasSchema.safeParse({ users: { recipientsPerCall: 601 } }).success).toBe(false);
  });

  describe('one pod, in memory', () => {
    const limiter = () => createSendLimiter({ appKey: 'acme#chatapp', quotas: quotasSchema.parse({}), podShare: 1, clock });

    test('When 101 users calls come in one second, then 100 pass and one waits exactly until the next second', async () => {
      const l = limiter();

      const first = await passed(l, 'users', 101);
      now += 750;
      const next = await passed(l, 'users', 1);

      expect(first).toEqual({ ok: 100, waits: [750] });
      expect(next.ok).toBe(1);
    });

    test('When a call comes in the last 50 ms of a second, then it counts in the next second too, where the target may count it', async () => {
      const l = limiter();
      now += 1000 - 250 - windowGuardMs;

      const late = await passed(l, 'users', 1);
      now += windowGuardMs;
      const next = await passed(l, 'users', 100);

      expect(late.ok).toBe(1);
      expect(next.ok).toBe(99);
    });

    test('When users messages reach 6,000 in a minute, then the next waits until the minute ends, and the refused call is given back', async () => {
      const l = limiter();

      for (let second = 0; second < 10; second++, now += 1000) expect((await passed(l, 'users', 1, 600)).ok).toBe(1);
      const over = await passed(l, 'users', 1, 1);
      const minuteEnd = Math.ceil(now / 60_000) * 60_000;

      expect(over.waits).toEqual([minuteEnd - now]);
      expect((await passed(l, 'users', 101, 0)).ok).toBe(100);
      now = minuteEnd;
      expect((await passed(l, 'users', 1, 600)).ok).toBe(1);
    });

    test.each([
      ['chatrooms', 10, 10, 20],
      ['chatgroups', 3, 6, 20],
    ])('When %s calls of %i recipients come in one second, then %i pass (messages per second), and single calls stop at 20 per second', async (endpoint, per, ok) => {
      const l = limiter();

      expect((await passed(l, endpoint as Endpoint, 30, per)).ok).toBe(ok);
      now += 1000;
      expect((await passed(l, endpoint as Endpoint, 30, 1)).ok).toBe(20);
    });

    test('When four pods share the quota without Redis (podShare 0.25), then one pod takes 25 calls per second and groups fewer recipients', async () => {
      const l = createSendLimiter({ appKey: 'acme#chatapp', quotas: quotasSchema.parse({}), podShare: 0.25, clock });

      expect((await passed(l, 'users', 40)).ok).toBe(25);
      expect(l.maxRecipients('users')).toBe(600);
      expect(l.maxRecipients('chatrooms')).toBe(10);
      expect(createSendLimiter({ appKey: 'a#b', quotas: quotasSchema.parse({}), podShare: 0.05, clock }).maxRecipients('chatrooms')).toBe(5);
    });

    test('When Easemob asked for a pause, then nothing is taken until it ends', async () => {
      const l = limiter();
      l.pause('users', 400);

      const paused = await passed(l, 'users', 1);
      now += 400;

      expect(paused.waits).toEqual([400]);
      expect((await passed(l, 'users', 1)).ok).toBe(1);
      expect((await passed(l, 'chatrooms', 1)).ok).toBe(1);
    });
  });

  describe('several pods, shared through Redis', () => {
    let redis: TestServer;
    const clients: Redis[] = [];
    beforeAll(async () => {
      redis = await startRedis();
    });
    afterAll(async () => {
      for (const client of clients) client.disconnect();
      await redis.destroy();
    });
    const pod = () => {
      const client = new Redis(redis.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
      clients.push(client);
      return client;
    };
    const ready = (client: Redis) => new Promise((resolve) => (client.status === 'ready' ? resolve(undefined) : client.once('ready', resolve)));

    test('When three pods send in the same second, then together they take exactly the App Key quota', async () => {
      const appKey = `acme#shared${Date.now()}`;
      const pods = [pod(), pod(), pod()];
      await Promise.all(pods.map(ready));
      const limiters = pods.map((client) => createSendLimiter({ appKey, quotas: quotasSchema.parse({}), redis: client, podShare: 0.1, clock }));

      const results = await Promise.all(limiters.map((l) => passed(l, 'users', 60)));
      const rooms = await Promise.all(limiters.map((l) => passed(l, 'chatrooms', 10, 10)));

      expect(results.reduce((sum, r) => sum + r.ok, 0)).toBe(100);
      expect(rooms.reduce((sum, r) => sum + r.ok, 0)).toBe(10);
      expect(limiters[0]!.maxRecipients('users')).toBe(600);
    });

    test('When Redis is down, then each pod falls back to its own share instead of stopping', async () => {
      const client = pod();
      await ready(client);
      client.disconnect();
      const l = createSendLimiter({ appKey: 'acme#fallback', quotas: quotasSchema.parse({}), redis: client, podShare: 0.5, clock });

      expect((await passed(l, 'users', 80)).ok).toBe(50);
    });
  });
});
