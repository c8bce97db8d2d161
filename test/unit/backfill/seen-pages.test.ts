import pino from 'pino';
import { fillOpenWindows } from '../../../src/backfill/fill-windows';
import { seenConversations, seenPageSize, type SeenReader } from '../../../src/backfill/seen-pages';
import type { SeenConversation, WindowFiller } from '../../../src/backfill/window-filler';
import { openSpool, type Spool } from '../../../src/pipeline/spool';

const count = 50_000;
// Each test notes 50,000 conversations first: 60 s leaves room for a busy shared machine.
const key = (c: SeenConversation) => JSON.stringify([c.app, c.kind, c.a, c.b ?? '']);
/** `n` one-to-one pairs and groups of two apps, seen at `lastAt`. */
const conversations = (n: number, lastAt: number, prefix = 'u'): SeenConversation[] =>
  Array.from({ length: n }, (_, i) => (i % 5 === 0
    ? { vendor: 'tencent', app: i % 2 ? '1400000002' : '1400000001', kind: 'group', a: `@TGS#${prefix}${i}`, lastAt }
    : { vendor: 'tencent', app: i % 2 ? '1400000002' : '1400000001', kind: 'user', a: `${prefix}${i}`, b: `${prefix}${i}x`, lastAt }));

describe('reading the conversations seen, page by page', () => {
  let spool: Spool;
  /** Rows each page read from the spool returned. */
  let pages: number[];
  let reader: SeenReader;
  beforeEach(async () => {
    spool = openSpool({ path: ':memory:', sinks: ['a'] });
    await spool.gaps.alive(1000, [], [], conversations(count, 900));
    pages = [];
    reader = { ...spool.gaps.seen, page: (...args) => {
      const rows = spool.gaps.seen.page(...args);
      pages.push(rows.length);
      return rows;
    } };
  });
  afterEach(() => spool.close());

  test('When a window reads 50,000 conversations seen, then the filler gets every one once, in key order, from pages of at most 1,000 rows', async () => {
    await spool.gaps.record({ kind: 'window', vendor: 'tencent', fromAt: 500, untilAt: 2000 }, 2000);
    const read: string[] = [];
    const filler: WindowFiller = async (window) => {
      for await (const page of window.conversations) read.push(...page.map(key));
      return { state: 'filled', note: 'read', counts: { accepted: 0, duplicate: 0, invalid: 0, ignored: 0, placeholder: 0 } };
    };
    const deps = {
      gaps: { ...spool.gaps, seen: reader }, fillers: new Map([['tencent', { api: 'tencent/admin_getroammsg', filler }]]), intake: async (_vendor: string, _api: string, _query: URLSearchParams, bodies: readonly unknown[]) => bodies.map(() => 'accepted' as const),
      logger: pino({ level: 'silent' }), clock: () => 3000, seenRetentionMs: 10_000, metrics: { backfilled: () => undefined, backfillApiError: () => undefined },
    };

    await fillOpenWindows(deps, new AbortController().signal);

    expect(read).toHaveLength(count);
    expect(new Set(read).size).toBe(count);
    expect(read).toEqual([...read].sort());
    expect(Math.max(...pages)).toBe(seenPageSize);
    expect(pages).toHaveLength(count / seenPageSize + 1);
    expect(spool.gaps.list({ kind: 'window' }, 1)[0]?.state).toBe('filled');
  }, 60_000);

  test('When conversations are noted while the pages are read, then each one seen before is read once, new ones after the page being read come too, and none comes twice', async () => {
    const read: SeenConversation[] = [];
    // Apps that sort before and after both apps seen so far.
    const noted = (app: string) => Array.from({ length: 100 }, (_, i): SeenConversation => ({ vendor: 'tencent', app, kind: 'user', a: `n${i}`, b: `n${i}x`, lastAt: 1500 }));
    const [before, after] = [noted('1400000000'), noted('1400000009')];

    for await (const page of seenConversations(reader, { vendor: 'tencent', since: 0 })) {
      read.push(...page);
      // Midway: new conversations on both sides of the cursor, and the times of ones read and not read yet move on.
      if (read.length === 20_000) await spool.gaps.alive(2000, [], [], [...before, ...after, ...conversations(count, 1800)]);
    }

    const keys = read.map(key);
    const unique = new Set(keys);
    expect(unique.size).toBe(keys.length);
    expect(keys).toEqual([...keys].sort());
    expect(conversations(count, 900).every((c) => unique.has(key(c)))).toBe(true);
    expect(after.every((c) => unique.has(key(c)))).toBe(true);
    expect(before.some((c) => unique.has(key(c)))).toBe(false);
    expect(keys).toHaveLength(count + after.length);
    expect(Math.max(...pages)).toBeLessThanOrEqual(seenPageSize);
  }, 60_000);

  test('When a read resumes after a key, then it starts after it, and each finished page is reported before the next is read', async () => {
    const done: string[] = [];
    const first: SeenConversation[] = [];
    for await (const page of seenConversations(reader, { vendor: 'tencent', since: 0 }, { pageDone: async (last) => void done.push(JSON.stringify(Object.values(last))) })) {
      first.push(...page);
      // Stopped in the third page: it is not reported as done.
      if (first.length >= 2500) break;
    }
    const resumeAfter = first[1999]!;

    const rest: SeenConversation[] = [];
    for await (const page of seenConversations(reader, { vendor: 'tencent', since: 0 }, { after: { app: resumeAfter.app, kind: resumeAfter.kind, a: resumeAfter.a, b: resumeAfter.b ?? '' } })) rest.push(...page);

    expect(done).toEqual([first[999], first[1999]].map((c) => key(c!)));
    expect(rest).toHaveLength(count - 2000);
    expect(key(rest[0]!) > key(resumeAfter)).toBe(true);
    expect(new Set([...first.slice(0, 2000), ...rest].map(key)).size).toBe(count);
  }, 60_000);

  test('When a window is limited to one app, then only that app\'s conversations are handed out, still a page at a time', async () => {
    const read: SeenConversation[] = [];

    for await (const page of seenConversations(reader, { vendor: 'tencent', since: 0, app: '1400000002' })) read.push(...page);

    expect(read).toHaveLength(count / 2);
    expect(read.every((c) => c.app === '1400000002')).toBe(true);
    expect(Math.max(...pages)).toBeLessThanOrEqual(seenPageSize);
  }, 60_000);
});
