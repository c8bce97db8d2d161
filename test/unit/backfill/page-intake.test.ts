import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { groupHistoryApi } from '../../../src/backfill/fill-sequence-gaps';
import { createBackfillPageIntake, pagesAtOnce } from '../../../src/backfill/intake';
import { createAcceptor } from '../../../src/pipeline/accept';
import { groupCallbackBody, groupCallbackQuery } from '../../../src/backfill/tencent/group-message';
import { loadConfig } from '../../../src/config';
import { openSpool, type Spool } from '../../../src/pipeline/spool';
import { buildVendors } from '../../../src/vendors/registry';
import { nextTurn, until } from '../../helpers/wait';

const sdkAppId = 1400000001;
const vendors = buildVendors(loadConfig({ TENCENT_SDKAPPIDS: String(sdkAppId), TENCENT_CALLBACK_TOKENS: 'token' }).vendors, { clock: () => 0, relayKeys: [] }).active;
const query = groupCallbackQuery(sdkAppId);
/** The group callback body of history message `seq` of group `g`. */
const body = (seq: number) => groupCallbackBody('@TGS#g', { From_Account: `user${seq % 3}`, IsPlaceMsg: 0, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: `m${seq}` } }], MsgRandom: 1000 + seq, MsgSeq: seq, MsgTimeStamp: 1_767_000_000 + seq });
/** A message taken in as its callback would be, one at a time: the vendor's mapping, marked with the API, then the callbacks' acceptor. */
const oneByOne = (spool: Spool, receivedAt: number) => async (body: Record<string, unknown>) => {
  const vendor = vendors[0]!;
  const head = { query, headers: {} };
  const raw = Buffer.from(JSON.stringify(body));
  const made = vendor.toEvent(head, raw, receivedAt);
  const marked = made.kind === 'event' ? { ...made, event: { ...made.event, attributes: { ...made.event.attributes, backfill: groupHistoryApi } } } : made;
  return createAcceptor({ spool })(marked, { vendor: vendor.name, head: () => vendor.storedHead(head), body: raw, receivedAt, added: { backfill: groupHistoryApi } });
};
/** What the spool holds, without where and when it was stored. */
const stored = (spool: Spool) => spool.admin.events(1000).map(({ id, attributes, data, message }) => ({ id, attributes: JSON.parse(attributes) as unknown, data, message })).sort((a, b) => a.id.localeCompare(b.id));

describe('backfill page intake', () => {
  let dir: string;
  const spools: Spool[] = [];
  const open = (name: string) => {
    const spool = openSpool({ path: join(dir, name), sinks: ['file'] });
    spools.push(spool);
    return spool;
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgw-page-intake-'));
  });
  afterEach(() => {
    for (const spool of spools.splice(0)) spool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('When a page is taken in at once, then each message becomes the same event as one by one (same id, attributes, body, neutral message, backfill mark)', async () => {
    const one = open('one.db');
    const page = open('page.db');
    const bodies = [5, 4, 3, 2, 1].map(body);

    for (const b of bodies) await oneByOne(one, 5_000)(b);
    const outcomes = await createBackfillPageIntake({ spool: page, vendors, clock: () => 5_000 })('tencent', groupHistoryApi, query, bodies);

    expect(outcomes).toEqual(['accepted', 'accepted', 'accepted', 'accepted', 'accepted']);
    expect(stored(page)).toHaveLength(5);
    expect(stored(page)).toEqual(stored(one));
    expect(stored(page).map((row) => (row.attributes as { backfill?: string }).backfill)).toEqual(Array(5).fill(groupHistoryApi));
  });

  test('When a page holds messages the spool has, or one twice, then those are duplicates, stored once, and the new ones reach the sinks', async () => {
    const spool = open('spool.db');
    await oneByOne(spool, 5_000)(body(2));
    const intake = createBackfillPageIntake({ spool, vendors, clock: () => 6_000 });

    const outcomes = await intake('tencent', groupHistoryApi, query, [body(3), body(2), body(1), body(3)]);
    const again = await intake('tencent', groupHistoryApi, query, [body(3), body(2), body(1)]);

    expect(outcomes).toEqual(['accepted', 'duplicate', 'accepted', 'duplicate']);
    expect(again).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect(stored(spool)).toHaveLength(3);
    expect(spool.due('file', 10_000, 10)).toHaveLength(3);
  });

  test('When a body is not a valid callback or the vendor is not configured, then only that message is invalid (quarantined) and the rest are stored', async () => {
    const spool = open('spool.db');
    const intake = createBackfillPageIntake({ spool, vendors, clock: () => 5_000 });

    const outcomes = await intake('tencent', groupHistoryApi, query, [body(1), { ...body(2), MsgSeq: 'not a number' }, body(3)]);
    const unknown = await intake('netease', 'netease/history', query, [body(4)]);

    expect(outcomes).toEqual(['accepted', 'invalid', 'accepted']);
    expect(unknown).toEqual(['invalid']);
    expect(stored(spool)).toHaveLength(2);
    expect(spool.quarantineSize().entries).toBe(1);
  });

  test('When the spool cannot commit a page, then none of it is stored and reading the page again stores all of it; a page committed before a crash is there after it', async () => {
    const spool = open('spool.db');
    const intake = createBackfillPageIntake({ spool, vendors, clock: () => 5_000 });
    const bodies = [3, 2, 1].map((seq) => ({ ...body(seq), MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'x'.repeat(20_000) } }] }));

    spool.pragma('max_page_count = 1');
    const failed = await intake('tencent', groupHistoryApi, query, bodies).catch((error: unknown) => error);
    spool.pragma('max_page_count = 1073741823');
    const retried = await intake('tencent', groupHistoryApi, query, bodies);
    // A second connection reads what the first one committed, as a start after kill -9 reads the WAL.
    const restarted = createBackfillPageIntake({ spool: open('spool.db'), vendors, clock: () => 7_000 });

    expect(failed).toBeInstanceOf(Error);
    expect(retried).toEqual(['accepted', 'accepted', 'accepted']);
    expect(await restarted('tencent', groupHistoryApi, query, [body(4), ...bodies])).toEqual(['accepted', 'duplicate', 'duplicate', 'duplicate']);
  });

  test('When a short page comes while a long one is still being made, then it is appended after the long one, in the order given', async () => {
    const spool = open('order.db');
    const intake = createBackfillPageIntake({ spool, vendors, clock: () => 5_000 });
    // A thousand bodies take several slices of a millisecond to make; one body takes none.
    const long = Array.from({ length: 1000 }, (_, i) => body(2000 - i));

    const outcomes = await Promise.all([intake('tencent', groupHistoryApi, query, long), intake('tencent', groupHistoryApi, query, [body(1)])]);

    expect(outcomes.flat()).toEqual(Array(1001).fill('accepted'));
    const seqs = new Map(spool.admin.events(2000).map((row) => [(JSON.parse(row.attributes) as { msgseq: string }).msgseq, row.seq]));
    expect(seqs.size).toBe(1001);
    // Every event of the long page has a lower seq than the short page's one, in the order given.
    expect(Math.max(...long.map((b) => seqs.get(String(b['MsgSeq'])) as number))).toBeLessThan(seqs.get('1') as number);
    expect(long.map((b) => seqs.get(String(b['MsgSeq'])))).toEqual([...long.map((b) => seqs.get(String(b['MsgSeq'])))].sort((a, b) => (a as number) - (b as number)));
  });

  test('When fills hand over more pages than the intake takes at once, then the next is made and appended only once one before it is committed, in the order given', async () => {
    const spool = open('committing.db');
    /** The spool's appends, each held until the test lets it commit. */
    const appends: (() => void)[] = [];
    const held: Spool = Object.create(spool, { appendMany: { value: (...args: Parameters<Spool['appendMany']>) => new Promise<void>((resolve) => appends.push(resolve)).then(() => spool.appendMany(...args)) } });
    const intake = createBackfillPageIntake({ spool: held, vendors, clock: () => 5_000 });
    const pages = Array.from({ length: pagesAtOnce + 2 }, (_, p) => [body(2 * p + 1), body(2 * p + 2)]);

    const outcomes = Promise.all(pages.map((page) => intake('tencent', groupHistoryApi, query, page)));
    await until(() => appends.length === pagesAtOnce, { what: 'the first pages appended' });
    for (let i = 0; i < 5; i += 1) await nextTurn();
    expect(appends).toHaveLength(pagesAtOnce);
    appends[0]!();
    await until(() => appends.length === pagesAtOnce + 1, { what: 'the next page once the first committed' });
    for (let i = 0; i < 5; i += 1) await nextTurn();
    expect(appends).toHaveLength(pagesAtOnce + 1);
    for (let released = 1; released < pages.length; released += 1) {
      await until(() => appends.length > released, { what: `page ${released + 1} appended` });
      appends[released]!();
    }

    expect((await outcomes).flat()).toEqual(Array(2 * pages.length).fill('accepted'));
    expect(spool.admin.events(100)).toHaveLength(2 * pages.length);
  });

  test('When more pages than the intake takes at once fail to commit, then each gives its place back: the page after them is stored', async () => {
    const spool = open('failing.db');
    let failing = pagesAtOnce + 1;
    const flaky: Spool = Object.create(spool, { appendMany: { value: (...args: Parameters<Spool['appendMany']>) => (failing-- > 0 ? Promise.reject(new Error('disk I/O error')) : spool.appendMany(...args)) } });
    const intake = createBackfillPageIntake({ spool: flaky, vendors, clock: () => 5_000 });

    const failed = await Promise.allSettled(Array.from({ length: pagesAtOnce + 1 }, (_, p) => intake('tencent', groupHistoryApi, query, [body(p + 1)])));
    const stored = await intake('tencent', groupHistoryApi, query, [body(100)]);

    expect(failed.map((result) => result.status)).toEqual(Array(pagesAtOnce + 1).fill('rejected'));
    expect(stored).toEqual(['accepted']);
  });

  test('When making pages into events throws for more pages than the intake takes at once, then each gives its place back: the page after them is stored', async () => {
    const spool = open('throwing.db');
    let throwing = pagesAtOnce + 1;
    const real = vendors[0]!;
    const vendor = Object.create(real, { toEvent: { value: (...args: Parameters<typeof real.toEvent>) => {
      if (throwing-- > 0) throw new Error('mapping failed');
      return real.toEvent(...args);
    } } }) as typeof real;
    const intake = createBackfillPageIntake({ spool, vendors: [vendor], clock: () => 5_000 });

    const failed = await Promise.allSettled(Array.from({ length: pagesAtOnce + 1 }, (_, p) => intake('tencent', groupHistoryApi, query, [body(p + 1)])));
    const stored = await intake('tencent', groupHistoryApi, query, [body(100)]);

    expect(failed.map((result) => result.status)).toEqual(Array(pagesAtOnce + 1).fill('rejected'));
    expect(stored).toEqual(['accepted']);
  });
});
