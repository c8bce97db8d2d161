import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createNeteaseWindowFiller, type NeteaseBackfillSettings } from '../../src/backfill/netease/window-filler';
import type { BackfillWindow, SeenConversation } from '../../src/backfill/window-filler';
import { createBackfillPageIntake } from '../../src/backfill/intake';
import { createNeteaseVendor } from '../../src/vendors/netease';
import { buildTestApp, metricValue, type TestApp } from '../helpers/app';
import { historyStandinApp, startNeteaseHistoryStandin, type NeteaseHistoryStandin } from '../helpers/netease-history-standin';
import { holdsWithin, until } from '../helpers/wait';

const T0 = Date.UTC(2026, 0, 5, 10);
const { appKey, appSecret } = historyStandinApp;
const seen = (kind: SeenConversation['kind'], a: string, b?: string): SeenConversation => ({ vendor: 'netease', app: appKey, kind, a, b, lastAt: T0 });

/**
 * The NetEase window filler over the gateway's own parts (a real SQLite spool, the NetEase vendor, the
 * acceptor) with callbacks from the stand-in reaching the same gateway: a message the callback never
 * brought is stored once, marked with its API; one whose callback came before or comes after is one event.
 */
describe('NetEase window backfill into a real spool', () => {
  let app: TestApp;
  let server: Server;
  let standin: NeteaseHistoryStandin;
  /** What was started, stopped in reverse order on every path (a failed start included). */
  const cleanups: (() => Promise<void>)[] = [];
  const settings = (overrides: Partial<NeteaseBackfillSettings> = {}): NeteaseBackfillSettings => ({ url: standin.url, appKey, appSecret, perSecond: 100, account: 'ops', ...overrides });
  const window = (conversations: SeenConversation[]): BackfillWindow => ({ gid: 7, vendor: 'netease', app: appKey, fromAt: T0, untilAt: T0 + 60_000, conversations: [conversations] });

  /** What the backfill part hands each page of fetched bodies to: the vendor mapping and the spool, marked with the API. */
  const intake = () => createBackfillPageIntake({ spool: app.spool, vendors: [createNeteaseVendor({ appSecrets: [appSecret], appKey, curTimeWindowSeconds: undefined })], clock: Date.now });
  const fill = (w: BackfillWindow, s = settings()) => createNeteaseWindowFiller(s)(w, { intake: intake(), signal: new AbortController().signal, clock: Date.now });

  beforeEach(async () => {
    app = buildTestApp({ env: { NETEASE_APP_SECRETS: appSecret, NETEASE_APP_KEY: appKey } });
    cleanups.push(() => app.close());
    server = createServer(app.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    standin = await startNeteaseHistoryStandin({ callback: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/netease/callback` } });
    cleanups.push(() => standin.close());
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  test('When a window is filled, then the messages no callback brought are stored once with their API, and callbacks before or after are the same events', async () => {
    standin.team('2348319786');
    standin.team('88001', 'SUPER_TEAM');
    const early = standin.send({ convType: 'PERSON', from: 'alice', to: 'bob', sendtime: T0 + 1, callback: true });
    const missed = standin.send({ convType: 'PERSON', from: 'bob', to: 'alice', sendtime: T0 + 2, ext: '{"orderId":"A1"}' });
    const late = standin.send({ convType: 'PERSON', from: 'alice', to: 'bob', sendtime: T0 + 3 });
    const team = standin.send({ convType: 'TEAM', from: 'carol', to: '2348319786', sendtime: T0 + 4, type: 1, body: { name: 'p.jpg', md5: 'x', url: 'https://example.invalid/p.jpg', ext: 'jpg', w: 1, h: 1, size: 3 } });
    const superTeam = standin.send({ convType: 'SUPER_TEAM', from: 'dave', to: '88001', sendtime: T0 + 5, callback: true });
    await until(() => standin.callbacks.length === 2);
    await standin.callbacksSettled();

    const result = await fill(window([seen('user', 'alice', 'bob'), seen('group', '2348319786'), seen('group', '88001'), seen('room', '12345')]));
    standin.callbackFor(late);
    await until(() => standin.callbacks.length === 3);
    await standin.callbacksSettled();

    expect(standin.callbacks.map((c) => c.status)).toEqual([200, 200, 200]);
    expect(result).toMatchObject({ state: 'filled', counts: { accepted: 3, duplicate: 2, invalid: 0, ignored: 0 } });
    expect(result.note).toContain('1 chat room(s) not read');
    expect(standin.requests.filter((r) => r.code !== 200 && r.code !== 803)).toEqual([]);
    await until(() => app.sink.events.length === 5);
    expect(await holdsWithin(() => app.sink.events.length === 5, 300)).toBe(true);
    const byMessage = new Map(app.sink.events.map((e) => [String(e.attributes['messageid']), e]));
    expect([...byMessage.keys()].sort()).toEqual([early, missed, late, team, superTeam].map((m) => String(m.msgid)).sort());
    expect(byMessage.get(String(missed.msgid))?.attributes).toMatchObject({ backfill: 'netease/querySessionMsg', fromaccount: 'bob', toaccount: 'alice', neteaseconvtype: 'PERSON' });
    expect(byMessage.get(String(team.msgid))?.attributes).toMatchObject({ backfill: 'netease/queryTeamMsg', groupid: '2348319786', msgtypes: 'PICTURE' });
    expect(byMessage.get(String(early.msgid))?.attributes['backfill']).toBeUndefined();
    expect(await metricValue(app.registry, 'imgw_callbacks_total', { vendor: 'netease', outcome: 'duplicate' })).toBe(1);

    const again = await fill(window([seen('user', 'alice', 'bob'), seen('group', '2348319786'), seen('group', '88001')]));
    expect(again.counts).toMatchObject({ accepted: 0, duplicate: 5 });
  });

  test('When no account is configured for teams, then teams are named in the note and one-to-one pairs are still read', async () => {
    standin.team('2348319786');
    standin.send({ convType: 'TEAM', from: 'carol', to: '2348319786', sendtime: T0 + 4 });
    standin.send({ convType: 'PERSON', from: 'alice', to: 'bob', sendtime: T0 + 1 });

    const result = await fill(window([seen('user', 'alice', 'bob'), seen('group', '2348319786')]), settings({ account: undefined }));

    expect(result.counts.accepted).toBe(1);
    expect(result.note).toContain('team 2348319786 not read (BACKFILL_NETEASE_ACCOUNT is not set)');
  });

  test('When the signature is refused, then the fill throws (the window stays open) and nothing is stored', async () => {
    standin.send({ convType: 'PERSON', from: 'alice', to: 'bob', sendtime: T0 + 1 });

    await expect(fill(window([seen('user', 'alice', 'bob')]), settings({ appSecret: 'wrong' }))).rejects.toMatchObject({ code: 403 });
    expect(app.sink.events).toHaveLength(0);
  });
});
