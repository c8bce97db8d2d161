import pino from 'pino';
import { fillOpenWindows } from '../../../src/backfill/fill-windows';
import type { BackfillWindow, SeenConversation, WindowFiller } from '../../../src/backfill/window-filler';
import { openSpool, type Spool } from '../../../src/pipeline/spool';

describe('the pass over open outage windows', () => {
  let spool: Spool;
  beforeEach(() => {
    spool = openSpool({ path: ':memory:', sinks: ['a'] });
  });
  afterEach(() => spool.close());

  test('When a filler fails, then its window stays open and is counted as an API error; the next pass fills it with the seen conversations and settles it; a vendor without a filler keeps its window open', async () => {
    await spool.gaps.alive(1000, [], [], [{ vendor: 'tencent', app: '1', kind: 'user', a: 'alice', b: 'bob', lastAt: 900 }]);
    const tencent = await spool.gaps.record({ kind: 'window', vendor: 'tencent', fromAt: 500, untilAt: 2000 }, 2000);
    const other = await spool.gaps.record({ kind: 'window', vendor: 'netease', fromAt: 500, untilAt: 2000 }, 2000);
    const seen: (BackfillWindow & { read: SeenConversation[] })[] = [];
    let fail = true;
    const filler: WindowFiller = async (window) => {
      const read: SeenConversation[] = [];
      for await (const conversation of window.conversations) read.push(conversation);
      seen.push({ ...window, read });
      if (fail) throw new Error('HTTP 503');
      return { state: 'filled', note: 'read', counts: { accepted: 2, duplicate: 0, invalid: 0, ignored: 0, placeholder: 0 } };
    };
    const calls: string[] = [];
    const deps = {
      gaps: spool.gaps, fillers: new Map([['tencent', { api: 'tencent/admin_getroammsg', filler }]]), intake: async () => 'accepted' as const, logger: pino({ level: 'silent' }), clock: () => 3000, seenRetentionMs: 10_000,
      metrics: { backfilled: (vendor: string, api: string, counts: Readonly<Record<string, number>>) => void calls.push(`${vendor} ${api} ${counts['accepted']}`), backfillApiError: (vendor: string, api: string) => void calls.push(`error ${vendor} ${api}`) },
    };

    const first = await fillOpenWindows(deps, new AbortController().signal);
    const stillOpen = spool.gaps.list({ kind: 'window', state: 'open' }, 10).map((g) => g.gid);
    fail = false;
    const second = await fillOpenWindows(deps, new AbortController().signal);

    expect(first.failed).toBe(true);
    expect(stillOpen.sort()).toEqual([tencent.gid, other.gid].sort());
    expect(second.failed).toBe(false);
    expect(calls).toEqual(['error tencent tencent/admin_getroammsg', 'tencent tencent/admin_getroammsg 2']);
    expect(seen[1]).toMatchObject({ gid: tencent.gid, vendor: 'tencent', fromAt: 500, untilAt: 2000, read: [{ vendor: 'tencent', app: '1', kind: 'user', a: 'alice', b: 'bob', lastAt: 900 }] });
    expect(spool.gaps.list({ kind: 'window' }, 10).map((g) => [g.vendor, g.state, g.note])).toEqual([['netease', 'open', undefined], ['tencent', 'filled', 'read']]);
  });
});
