import { performance } from 'node:perf_hooks';
import { createNeteaseHistory, NeteaseHistoryError, type HistoryQuery } from '../../src/backfill/netease/history';
import { createQuota } from '../../src/backfill/quota';
import { startNeteaseHistoryStandin, type NeteaseHistoryStandin } from '../helpers/netease-history-standin';

describe('NetEase history client against the stand-in', () => {
  let standin: NeteaseHistoryStandin;
  const T0 = Date.UTC(2026, 0, 5, 10);
  const client = (overrides: { secret?: string; clock?: () => number; sleep?: (ms: number) => Promise<void> } = {}) =>
    createNeteaseHistory({ url: standin.url, appKey: standin.appKey, appSecret: overrides.secret ?? standin.appSecret }, { quota: createQuota({ perSecond: 1000 }), clock: overrides.clock ?? Date.now, rateLimitPauseMs: 1, ...(overrides.sleep ? { sleep: overrides.sleep } : {}) });
  const readAll = async (history: ReturnType<typeof client>, query: HistoryQuery) => {
    const ids: string[] = [];
    for await (const m of history.read(query)) ids.push(m.msgid);
    return ids;
  };

  afterEach(() => standin.close());

  test('When a window holds more than a page, with many messages in the page-boundary millisecond, then every message of both directions comes once, oldest first, 100 a call', async () => {
    standin = await startNeteaseHistoryStandin();
    const sent = Array.from({ length: 250 }, (_, i) => standin.send({ convType: 'PERSON', from: i % 2 ? 'alice' : 'bob', to: i % 2 ? 'bob' : 'alice', sendtime: T0 + (i >= 90 && i < 130 ? 90 : i) }));
    standin.send({ convType: 'PERSON', from: 'alice', to: 'carol', sendtime: T0 + 5 });
    standin.send({ convType: 'PERSON', from: 'alice', to: 'bob', sendtime: T0 + 10_000 });

    const ids = await readAll(client(), { api: 'session', params: { from: 'alice', to: 'bob' }, fromAt: T0, untilAt: T0 + 9_999 });

    expect(ids).toEqual(sent.map((m) => String(m.msgid)));
    expect(standin.requests.map((r) => [r.form['limit'], r.form['reverse'], r.form['excludeMsgid'] !== undefined])).toEqual([['100', '1', false], ['100', '1', true], ['100', '1', true]]);
    expect(standin.requests[1]?.form['begintime']).toBe(String(T0 + 90));
  });

  test('When calls are answered, then the round trip of each (the request to its answer) and the time until the next call are given to the timing the fill counts on', async () => {
    standin = await startNeteaseHistoryStandin();
    for (let i = 0; i < 150; i += 1) standin.send({ convType: 'PERSON', from: 'alice', to: 'bob', sendtime: T0 + i });
    const [trips, handled]: [number[], number[]] = [[], []];
    const history = createNeteaseHistory({ url: standin.url, appKey: standin.appKey, appSecret: standin.appSecret }, { quota: createQuota({ perSecond: 1000 }), clock: Date.now, roundTrips: { record: (ms) => void trips.push(ms), handled: (ms) => void handled.push(ms) } });

    const started = performance.now();
    const ids = await readAll(history, { api: 'session', params: { from: 'alice', to: 'bob' }, fromAt: T0, untilAt: T0 + 1000 });
    const took = performance.now() - started;

    expect(ids).toHaveLength(150);
    expect(trips).toHaveLength(standin.requests.length);
    expect(trips.every((ms) => ms > 0 && ms <= took)).toBe(true);
    // Between one answer and the next call: one fewer than the calls.
    expect(handled).toHaveLength(trips.length - 1);
    expect(handled.every((ms) => ms >= 0 && ms <= took)).toBe(true);
  });

  test('When server ids are beyond 2^53, then they are read exactly (as text), not rounded', async () => {
    standin = await startNeteaseHistoryStandin();
    const m = standin.send({ convType: 'TEAM', from: 'alice', to: '2348319786', sendtime: T0 });
    standin.team('2348319786');

    const ids = await readAll(client(), { api: 'team', params: { tid: '2348319786', accid: 'ops' }, fromAt: T0, untilAt: T0 });

    expect(m.msgid > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(ids).toEqual([String(m.msgid)]);
  });

  test('When the AppSecret is wrong, then the 403 refusal is thrown with its code', async () => {
    standin = await startNeteaseHistoryStandin();

    const read = readAll(client({ secret: 'not-the-secret' }), { api: 'session', params: { from: 'a', to: 'b' }, fromAt: T0, untilAt: T0 + 1 });

    await expect(read).rejects.toBeInstanceOf(NeteaseHistoryError);
    await expect(readAll(client({ secret: 'not-the-secret' }), { api: 'session', params: { from: 'a', to: 'b' }, fromAt: T0, untilAt: T0 + 1 })).rejects.toMatchObject({ code: 403 });
  });

  test('When the team does not exist or the window is backwards, then 803 and 414 are thrown', async () => {
    standin = await startNeteaseHistoryStandin();

    await expect(readAll(client(), { api: 'team', params: { tid: '1', accid: 'ops' }, fromAt: T0, untilAt: T0 + 1 })).rejects.toMatchObject({ code: 803 });
    await expect(readAll(client(), { api: 'session', params: { from: 'a', to: 'b' }, fromAt: T0 + 1, untilAt: T0 })).rejects.toMatchObject({ code: 414 });
  });

  test('When the stand-in answers 416 (over its calls per second), then the client waits and tries again, and the read completes', async () => {
    const clock = { now: Date.now() };
    standin = await startNeteaseHistoryStandin({ perSecond: 1, clock: () => clock.now });
    for (let i = 0; i < 150; i += 1) standin.send({ convType: 'SUPER_TEAM', from: 'alice', to: '77', sendtime: T0 + i });
    standin.team('77', 'SUPER_TEAM');
    const pauses: number[] = [];
    const history = client({ clock: () => clock.now, sleep: async (ms) => {
      pauses.push(ms);
      clock.now += 1000;
    } });

    const ids = await readAll(history, { api: 'superteam', params: { tid: '77', accid: 'ops' }, fromAt: T0, untilAt: T0 + 1000 });

    expect(ids).toHaveLength(150);
    expect(pauses).toEqual([1]);
    expect(standin.requests.map((r) => r.code)).toEqual([200, 416, 200]);
  });
});
