import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { fillOpenWindows } from '../../../src/backfill/fill-windows';
import { readConversations, type BackfillWindow, type SeenConversation, type WindowFiller } from '../../../src/backfill/window-filler';
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
      seen.push({ ...window, read });
      // Failing on the first conversation's history: it was not read.
      if (fail) throw new Error('HTTP 503');
      for await (const page of window.conversations) read.push(...page);
      return { state: 'filled', note: 'read', counts: { accepted: 2, duplicate: 0, invalid: 0, ignored: 0, placeholder: 0 } };
    };
    const calls: string[] = [];
    const deps = {
      gaps: spool.gaps, fillers: new Map([['tencent', { api: 'tencent/admin_getroammsg', filler }]]), intake: async (_vendor: string, _api: string, _query: URLSearchParams, bodies: readonly unknown[]) => bodies.map(() => 'accepted' as const), logger: pino({ level: 'silent' }), clock: () => 3000, seenRetentionMs: 10_000,
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

  test('When an operator settles windows by hand while a pass runs, then a window not read yet is skipped, and one being read keeps the operator\'s state and note', async () => {
    const first = await spool.gaps.record({ kind: 'window', vendor: 'tencent', fromAt: 500, untilAt: 2000 }, 2000);
    const second = await spool.gaps.record({ kind: 'window', vendor: 'tencent', fromAt: 2500, untilAt: 4000 }, 4000);
    const read: number[] = [];
    // The operator acts while the first window is being read: it settles both.
    const filler: WindowFiller = async (window) => {
      read.push(window.gid);
      await spool.gaps.settleOpen(first.gid, 'unfillable', 'settled by bob: past the history');
      await spool.gaps.settleOpen(second.gid, 'unfillable', 'settled by bob: past the history');
      return { state: 'filled', note: 'read', counts: { accepted: 1, duplicate: 0, invalid: 0, ignored: 0, placeholder: 0 } };
    };
    const deps = {
      gaps: spool.gaps, fillers: new Map([['tencent', { api: 'tencent/admin_getroammsg', filler }]]), intake: async (_vendor: string, _api: string, _query: URLSearchParams, bodies: readonly unknown[]) => bodies.map(() => 'accepted' as const), logger: pino({ level: 'silent' }), clock: () => 5000, seenRetentionMs: 10_000,
      metrics: { backfilled: () => undefined, backfillApiError: () => undefined },
    };

    await fillOpenWindows(deps, new AbortController().signal);

    expect(read).toEqual([first.gid]);
    expect(spool.gaps.list({ kind: 'window' }, 10).map((g) => [g.gid, g.state, g.note])).toEqual([
      [second.gid, 'unfillable', 'settled by bob: past the history'],
      [first.gid, 'unfillable', 'settled by bob: past the history'],
    ]);
    // Nor does a fill's "still open, and why" reopen or re-note a settled gap.
    await spool.gaps.settle(first.gid, 'open', 'failed, tried again: HTTP 503');
    expect(spool.gaps.get(first.gid)).toMatchObject({ state: 'unfillable', note: 'settled by bob: past the history' });
  });

  test('When a window over many conversations stops midway (the API fails, then the gateway restarts), then the next pass goes on after the last page read to its end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'imgw-windows-'));
    const path = join(dir, 'spool.db');
    const first = openSpool({ path, sinks: ['a'] });
    await first.gaps.alive(1000, [], [], Array.from({ length: 5000 }, (_, i) => ({ vendor: 'tencent', app: '1', kind: 'user' as const, a: `u${String(i).padStart(5, '0')}`, b: 'z', lastAt: 900 })));
    const window = await first.gaps.record({ kind: 'window', vendor: 'tencent', fromAt: 500, untilAt: 2000 }, 2000);
    const read: string[][] = [];
    // Conversations read side by side, as the vendors' fillers read them.
    const filler = (failAt?: number): WindowFiller => async (w, { signal }) => {
      const pass: string[] = [];
      read.push(pass);
      await readConversations(w.conversations, async (conversation) => {
        if (pass.length === failAt) throw new Error('HTTP 503');
        pass.push(conversation.a);
      }, signal, 8);
      return { state: 'filled', note: `${pass.length} read`, counts: { accepted: 0, duplicate: 0, invalid: 0, ignored: 0, placeholder: 0 } };
    };
    const deps = (spool: Spool, fill: WindowFiller) => ({
      gaps: spool.gaps, fillers: new Map([['tencent', { api: 'tencent/admin_getroammsg', filler: fill }]]), intake: async (_vendor: string, _api: string, _query: URLSearchParams, bodies: readonly unknown[]) => bodies.map(() => 'accepted' as const), logger: pino({ level: 'silent' }), clock: () => 3000, seenRetentionMs: 10_000,
      metrics: { backfilled: () => undefined, backfillApiError: () => undefined },
    });

    const failed = await fillOpenWindows(deps(first, filler(2500)), new AbortController().signal);
    first.close();
    const second = openSpool({ path, sinks: ['a'] });
    const resumed = await fillOpenWindows(deps(second, filler()), new AbortController().signal);
    const settled = second.gaps.list({ kind: 'window' }, 1)[0];
    second.close();
    rmSync(dir, { recursive: true, force: true });

    expect(failed.failed).toBe(true);
    expect(resumed.failed).toBe(false);
    expect(read.map((pass) => pass.length)).toEqual([2500, 3000]);
    expect(read[1]?.[0]).toBe('u02000');
    expect(new Set([...read[0]!.slice(0, 2000), ...read[1]!]).size).toBe(5000);
    expect(settled).toMatchObject({ gid: window.gid, state: 'filled', note: '3000 read' });
  });

  test('When a filler leaves its window open (a file not stored yet), then the pass says it waits and the window stays open; a stopped pass does not', async () => {
    const window = await spool.gaps.record({ kind: 'window', vendor: 'easemob', fromAt: 500, untilAt: 2000 }, 2000);
    const filler: WindowFiller = async () => ({ state: 'open', note: 'the file of 1970-01-01T00h is not due yet', counts: { accepted: 0, duplicate: 0, invalid: 0, ignored: 0, placeholder: 0 } });
    const deps = {
      gaps: spool.gaps, fillers: new Map([['easemob', { api: 'easemob/chatmessages', filler, wholeApp: true as const }]]), intake: async (_vendor: string, _api: string, _query: URLSearchParams, bodies: readonly unknown[]) => bodies.map(() => 'accepted' as const), logger: pino({ level: 'silent' }), clock: () => 3000, seenRetentionMs: 10_000,
      metrics: { backfilled: () => undefined, backfillApiError: () => undefined },
    };
    const stopped = new AbortController();
    stopped.abort();

    const pass = await fillOpenWindows(deps, new AbortController().signal);
    const stoppedPass = await fillOpenWindows(deps, stopped.signal);

    expect(pass).toEqual({ failed: false, waiting: true });
    expect(stoppedPass).toEqual({ failed: false, waiting: false });
    expect(spool.gaps.list({ kind: 'window' }, 1)[0]).toMatchObject({ gid: window.gid, state: 'open' });
  });
});
