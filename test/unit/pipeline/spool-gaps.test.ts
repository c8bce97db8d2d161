import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { pragma } from '../../../src/pipeline/spool/sqlite';
import { openSpool, type Spool } from '../../../src/pipeline/spool';
import { spoolSchemaVersion } from '../../../src/pipeline/spool/schema';

describe('spool gap store', () => {
  let dir: string;
  let path: string;
  const spools: Spool[] = [];
  const open = (): Spool => {
    const spool = openSpool({ path, sinks: ['a'] });
    spools.push(spool);
    return spool;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgw-gaps-'));
    path = join(dir, 'spool.db');
  });
  afterEach(() => {
    for (const spool of spools.splice(0)) spool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('When a spool starts for the first time, then no outage is recorded and the start is the alive time', async () => {
    const spool = open();

    const started = await spool.gaps.markStarted(1000);

    expect(started).toBeUndefined();
    expect(spool.gaps.lastAlive()).toEqual({ startedAt: 1000, aliveAt: 1000 });
    expect(spool.gaps.list({}, 10)).toEqual([]);
    expect(spool.gaps.summary.outage).toEqual({ open: 0, oldestOpenFrom: undefined, firstOpenDetectedAt: undefined, unfillable: 0 });
  });

  test('When the gateway starts again after a stop, then the window from the last alive note to the start is an open outage gap', async () => {
    const first = open();
    await first.gaps.markStarted(1000);
    await first.gaps.alive(6000);
    first.close();

    const second = open();
    const outage = (await second.gaps.markStarted(90_000))?.outage;

    expect(outage).toMatchObject({ kind: 'outage', fromAt: 6000, untilAt: 90_000, detectedAt: 90_000, state: 'open' });
    expect(outage?.vendor).toBeUndefined();
    expect(second.gaps.list({ kind: 'outage' }, 10)).toEqual([outage]);
    expect(second.gaps.lastAlive()).toEqual({ startedAt: 90_000, aliveAt: 90_000 });
    const none = { open: 0, oldestOpenFrom: undefined, firstOpenDetectedAt: undefined, unfillable: 0 };
    expect(second.gaps.summary).toEqual({ outage: { ...none, open: 1, oldestOpenFrom: 6000, firstOpenDetectedAt: 90_000 }, sequence: none, window: none, hour: none });
  });

  test('When sequence marks and gaps are written with an alive note, then they are read back after a reopen, filtered and paged newest first', async () => {
    const first = open();
    await first.gaps.markStarted(1000);
    const mark = { vendor: 'tencent', app: '1400000001', conversation: '@TGS#g1', lastSeq: 7, lastAt: 1500 };
    const gap = { kind: 'sequence' as const, vendor: 'tencent', app: '1400000001', conversation: '@TGS#g1', fromAt: 1100, untilAt: 1500, fromSeq: 3, untilSeq: 6 };
    const recorded = await first.gaps.alive(2000, [mark], [gap, { ...gap, fromSeq: 8, untilSeq: 8 }]);
    first.close();

    const second = open();

    expect(recorded.map((g) => g.state)).toEqual(['open', 'open']);
    expect(second.gaps.marks()).toEqual([mark]);
    expect(second.gaps.list({ kind: 'sequence' }, 1)).toEqual([{ ...gap, fromSeq: 8, untilSeq: 8, gid: recorded[1]?.gid, detectedAt: 2000, state: 'open' }]);
    expect(second.gaps.list({ kind: 'sequence' }, 5, recorded[1]?.gid)).toEqual([{ ...gap, gid: recorded[0]?.gid, detectedAt: 2000, state: 'open' }]);
    expect(second.gaps.list({ kind: 'outage' }, 5)).toEqual([]);
  });

  test('When a gap is settled, then it leaves the open count and keeps its note', async () => {
    const spool = open();
    const [gap] = await spool.gaps.alive(2000, [], [{ kind: 'sequence', vendor: 'tencent', app: '1', conversation: 'g', fromAt: 1, untilAt: 2, fromSeq: 3, untilSeq: 3 }]);

    await spool.gaps.settle(gap?.gid ?? 0, 'unfillable', 'audio-video chat room: no history');

    expect(spool.gaps.summary.sequence.open).toBe(0);
    expect(spool.gaps.list({ state: 'unfillable' }, 5)).toEqual([expect.objectContaining({ gid: gap?.gid, note: 'audio-video chat room: no history' })]);
  });

  test('When windows are recorded at different times and one is settled unfillable, then the summary says when the open one was recorded and counts the unfillable one, also after a reopen', async () => {
    const first = open();
    const window = { kind: 'window' as const, vendor: 'easemob', fromAt: 1000, untilAt: 5000 };
    const early = await first.gaps.record(window, 10_000);
    await first.gaps.record({ ...window, fromAt: 500 }, 20_000);
    await first.gaps.record({ ...window, fromAt: 700 }, 30_000);

    await first.gaps.settle(early.gid, 'unfillable', 'beyond the retention');
    first.close();
    const second = open();

    expect(second.gaps.summary.window).toEqual({ open: 2, oldestOpenFrom: 500, firstOpenDetectedAt: 20_000, unfillable: 1 });
    expect(second.gaps.summary.sequence).toEqual({ open: 0, oldestOpenFrom: undefined, firstOpenDetectedAt: undefined, unfillable: 0 });
  });

  test('When a schema-6 spool is opened, then the gap tables are added and the version is 10', () => {
    open().close();
    spools.splice(0);
    const db = new DatabaseSync(path);
    db.exec('DROP TABLE alive; DROP TABLE gaps; DROP TABLE sequences; DROP TABLE conversations;');
    pragma(db, 'user_version = 6');
    db.close();

    const spool = open();

    expect(spoolSchemaVersion).toBe(11);
    expect(spool.pragma('user_version')).toBe(11);
    expect(spool.gaps.lastAlive()).toBeUndefined();
    expect(spool.gaps.seen.page('tencent', 0, undefined, 10)).toEqual([]);
  });

  test('When a schema-7 spool is opened, then the conversations table is added and its gaps are kept', async () => {
    const first = open();
    await first.gaps.alive(2000, [], [{ kind: 'sequence', vendor: 'tencent', app: '1', conversation: 'g', fromAt: 1, untilAt: 2, fromSeq: 3, untilSeq: 3 }]);
    first.close();
    spools.splice(0);
    const db = new DatabaseSync(path);
    db.exec('DROP TABLE conversations;');
    pragma(db, 'user_version = 7');
    db.close();

    const spool = open();
    await spool.gaps.alive(3000, [], [], [{ vendor: 'tencent', app: '1', kind: 'user', a: 'alice', b: 'bob', lastAt: 2500 }]);

    expect(spool.pragma('user_version')).toBe(11);
    expect(spool.gaps.list({}, 5)).toHaveLength(1);
    expect(spool.gaps.seen.page('tencent', 0, undefined, 10)).toEqual([{ vendor: 'tencent', app: '1', kind: 'user', a: 'alice', b: 'bob', lastAt: 2500 }]);
  });

  test('When a schema-8 spool is opened, then its windows are kept and can note how far they have read, while open only', async () => {
    const first = open();
    const window = await first.gaps.record({ kind: 'window', vendor: 'tencent', fromAt: 1, untilAt: 2 }, 3);
    first.close();
    spools.splice(0);
    const db = new DatabaseSync(path);
    db.exec('ALTER TABLE gaps DROP COLUMN resume_after;');
    pragma(db, 'user_version = 8');
    db.close();

    const spool = open();
    const fresh = spool.gaps.resumeAfter(window.gid);
    await spool.gaps.progress(window.gid, { app: '1', kind: 'user', a: 'alice', b: 'bob' });
    const noted = spool.gaps.resumeAfter(window.gid);
    await spool.gaps.settle(window.gid, 'filled');
    await spool.gaps.progress(window.gid, { app: '2', kind: 'user', a: 'carol', b: 'dave' });

    expect(spool.pragma('user_version')).toBe(11);
    expect(spool.gaps.list({}, 5)).toEqual([expect.objectContaining({ gid: window.gid, kind: 'window', state: 'filled' })]);
    expect(fresh).toBeUndefined();
    expect(noted).toEqual({ app: '1', kind: 'user', a: 'alice', b: 'bob' });
    expect(spool.gaps.resumeAfter(window.gid)).toEqual(noted);
  });

  test('When conversations are noted with alive notes, then the latest time is kept, a vendor is read from a time on, and old ones are forgotten', async () => {
    const spool = open();
    const pair = { vendor: 'tencent', app: '1', kind: 'user' as const, a: 'alice', b: 'bob' };
    const group = { vendor: 'tencent', app: '1', kind: 'group' as const, a: '@TGS#1' };
    await spool.gaps.alive(1000, [], [], [{ ...pair, lastAt: 900 }, { ...group, lastAt: 100 }, { vendor: 'netease', app: 'k', kind: 'user', a: 'x', b: 'y', lastAt: 950 }]);
    await spool.gaps.alive(2000, [], [], [{ ...pair, lastAt: 800 }]);

    expect(spool.gaps.seen.page('tencent', 0, undefined, 10)).toEqual([{ ...group, lastAt: 100 }, { ...pair, lastAt: 900 }]);
    expect(spool.gaps.seen.page('tencent', 500, undefined, 10)).toEqual([{ ...pair, lastAt: 900 }]);

    await spool.gaps.alive(3000, [], [], [], 500);

    expect(spool.gaps.seen.page('tencent', 0, undefined, 10)).toEqual([{ ...pair, lastAt: 900 }]);
    expect(spool.gaps.seen.count('netease', 0)).toBe(1);
  });

  test('When an outage is split into windows at the start, then the windows are open and the outage is settled with the note, in one step', async () => {
    const first = open();
    await first.gaps.markStarted(1000);
    first.close();
    const second = open();

    const started = await second.gaps.markStarted(200_000, (outage) => ({ windows: [{ kind: 'window', vendor: 'tencent', fromAt: outage.fromAt - 60_000, untilAt: outage.untilAt + 60_000 }], note: 'read back as windows' }));

    expect(started?.outage).toMatchObject({ kind: 'outage', state: 'filled', note: 'read back as windows' });
    expect(started?.windows).toEqual([expect.objectContaining({ kind: 'window', vendor: 'tencent', fromAt: -59_000, untilAt: 260_000, state: 'open' })]);
    expect(second.gaps.list({ kind: 'outage' }, 5)).toEqual([started?.outage]);
    expect(second.gaps.summary.window).toEqual({ open: 1, oldestOpenFrom: -59_000, firstOpenDetectedAt: 200_000, unfillable: 0 });
    expect(second.gaps.summary.outage.open).toBe(0);
  });
});
