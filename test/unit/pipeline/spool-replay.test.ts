import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Event } from '../../../src/events/event';
import { openSpool, type Spool } from '../../../src/pipeline/spool';

const event = (id: string): Event => ({
  attributes: { specversion: '1.0', id, source: 's', type: 't', time: '2026-01-01T00:00:00.000Z', datacontenttype: 'application/json' },
  data: '{}',
});

describe('spool replay', () => {
  let dir: string;
  let spool: Spool;
  const path = () => join(dir, 'spool.db');
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgw-replay-'));
    spool = openSpool({ path: path(), sinks: ['file'] });
  });
  afterEach(() => {
    spool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function deliveredThenReplayed(): Promise<void> {
    await spool.append(event('e1'), 1000);
    await spool.append(event('e2'), 1000);
    await spool.delivered('file', spool.due('file', 2000, 10).map((item) => item.seq));
    await spool.adminStore.replay({ since: 0 }, 'file', 3000);
  }

  test('When delivered events are replayed, then the sink gets them marked replayed, and fresh events are not', async () => {
    await deliveredThenReplayed();
    await spool.append(event('e3'), 4000);

    const due = spool.due('file', 5000, 10);

    expect(due.map((item) => [item.event.attributes.id, item.event.replayed ?? false])).toEqual([
      ['e1', true],
      ['e2', true],
      ['e3', false],
    ]);
  });

  test('When a replayed event fails and the gateway restarts, then its retry is still marked replayed', async () => {
    await deliveredThenReplayed();
    const [first] = spool.due('file', 5000, 10);
    await spool.failed('file', [first!.seq], 'refused', 6000, 5000);
    spool.close();

    spool = openSpool({ path: path(), sinks: ['file'] });
    const due = spool.due('file', 7000, 10);

    expect(due.map((item) => [item.event.attributes.id, item.event.replayed ?? false, item.attempts])).toEqual([
      ['e1', true, 1],
      ['e2', true, 0],
    ]);
  });

  test('When one event of a millisecond that holds several is replayed by its log position, then only it is queued again', async () => {
    for (const id of ['a', 'b', 'c']) await spool.append(event(id), 1000);
    await spool.delivered('file', spool.due('file', 2000, 10).map((item) => item.seq));
    const seqOfB = spool.adminStore.event('b')!.stored.seq;

    const counted = await spool.adminStore.countReplay({ seqs: [seqOfB] }, 'file');
    const queued = await spool.adminStore.replay({ seqs: [seqOfB] }, 'file', 3000);

    expect([counted, queued]).toEqual([1, 1]);
    expect(spool.due('file', 3000, 10).map((item) => item.event.attributes.id)).toEqual(['b']);
  });

  test('When log positions are given out of order, twice, or no longer stored, then each stored one is queued once and the replay ends', async () => {
    for (const id of ['a', 'b', 'c', 'd']) await spool.append(event(id), 1000);
    await spool.delivered('file', spool.due('file', 2000, 10).map((item) => item.seq));
    const seq = (id: string) => spool.adminStore.event(id)!.stored.seq;

    const gone = seq('c');
    // As retention would: c leaves the log (another connection, the spool's lock allows readers and this one write).
    const other = new DatabaseSync(path());
    other.prepare('DELETE FROM log WHERE seq = ?').run(gone);
    other.close();

    const queued = await spool.adminStore.replay({ seqs: [seq('d'), gone, seq('b'), seq('d'), 999_999] }, 'file', 3000, { chunk: 1 });

    expect(queued).toBe(2);
    expect(spool.due('file', 3000, 10).map((item) => item.event.attributes.id)).toEqual(['b', 'd']);
  });

  test('When a long range is replayed, then it goes in steps through the committer, with progress after each, and events stored meanwhile are not taken', async () => {
    for (let i = 1; i <= 7; i += 1) await spool.append(event(`e${i}`), 1000 + i);
    await spool.delivered('file', spool.due('file', 2000, 10).map((item) => item.seq));
    const progress: number[] = [];

    const queued = await spool.adminStore.replay({ since: 1003 }, 'file', 3000, {
      chunk: 2,
      // Steps of exactly two: no time budget on a machine that may be slow.
      stepMs: Infinity,
      onProgress: async (n) => {
        progress.push(n);
        if (progress.length === 1) await spool.append(event('late'), 1500);
      },
    });

    expect(queued).toBe(5);
    expect(progress).toEqual([2, 4, 5]);
    expect(spool.due('file', 3000, 10).map((item) => item.event.attributes.id)).toEqual(['e3', 'e4', 'e5', 'e6', 'e7', 'late']);
    expect(spool.due('file', 3000, 10).filter((item) => item.event.replayed).map((item) => item.event.attributes.id)).toEqual(['e3', 'e4', 'e5', 'e6', 'e7']);
  });

  test('When a step has used its time, then it ends with what it has (at least one event), and the next goes on from there', async () => {
    for (let i = 1; i <= 3; i += 1) await spool.append(event(`e${i}`), 1000 + i);
    await spool.delivered('file', spool.due('file', 2000, 10).map((item) => item.seq));
    const progress: number[] = [];

    // No time at all: every step ends after its first event.
    const queued = await spool.adminStore.replay({ since: 0 }, 'file', 3000, { chunk: 100, stepMs: 0, onProgress: (n) => void progress.push(n) });

    expect(queued).toBe(3);
    expect(progress).toEqual([1, 2, 3]);
  });
});
