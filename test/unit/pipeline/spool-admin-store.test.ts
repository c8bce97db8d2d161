import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event } from '../../../src/events/event';
import { openSpool, type Spool } from '../../../src/pipeline/spool';

const event = (id: string, extra: Record<string, string> = {}): Event => ({
  attributes: { specversion: '1.0', id, source: 's', type: 't', time: '2026-01-01T00:00:00.000Z', datacontenttype: 'application/json', vendor: 'tencent', command: 'C2C.CallbackAfterSendMsg', ...extra },
  data: '{}',
});

describe('spool admin store', () => {
  let dir: string;
  let spool: Spool;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgw-admin-store-'));
    spool = openSpool({ path: join(dir, 'spool.db'), sinks: ['a', { name: 'b', accepts: (e) => e.attributes.fromaccount === 'alice' }] });
  });
  afterEach(() => {
    spool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('When events are searched by sender, then they come newest first in pages that follow one another', async () => {
    for (let i = 1; i <= 5; i += 1) await spool.append(event(`e${i}`, { fromaccount: i % 2 ? 'alice' : 'bob' }), 1000 + i);

    const first = spool.adminStore.searchEvents({ sender: 'alice' }, { limit: 2 });
    const second = spool.adminStore.searchEvents({ sender: 'alice' }, { limit: 2, after: first.next });

    expect(first.items.map((item) => item.event.attributes.id)).toEqual(['e5', 'e3']);
    expect(second.items.map((item) => item.event.attributes.id)).toEqual(['e1']);
    expect(second.next).toBeUndefined();
    expect(spool.adminStore.searchEvents({ conversation: 'bob', since: 1004 }, { limit: 10 }).items.map((item) => item.event.attributes.id)).toEqual(['e4']);
  });

  test('When an event is looked up, then each sink says where it stands: delivered, pending, dead or not routed', async () => {
    await spool.append(event('e1', { fromaccount: 'alice' }), 1000);
    await spool.append(event('e2', { fromaccount: 'bob' }), 1001);
    await spool.delivered('a', [1]);
    await spool.deadLetter('b', [1], 'refused', 2000);

    expect(spool.adminStore.event('e1')?.sinks).toEqual([{ sink: 'a', state: 'delivered' }, expect.objectContaining({ sink: 'b', state: 'dead', lastError: 'refused', deadAt: 2000 })]);
    expect(spool.adminStore.event(2)?.sinks).toEqual([{ sink: 'a', state: 'pending', attempts: 0, nextAt: 0 }, { sink: 'b', state: 'not_routed' }]);
    expect(spool.adminStore.event('missing')).toBeUndefined();
  });

  test('When dead letters are redriven in chunks, then progress is reported, counts follow and the events are due again', async () => {
    for (let i = 1; i <= 5; i += 1) await spool.append(event(`e${i}`), 1000 + i);
    await spool.deadLetter('a', [1, 2, 3, 4, 5], 'HTTP 400', 2000);
    const progress: number[] = [];

    const listed = spool.adminStore.deadLetters({ sink: 'a', error: '400' }, { limit: 3 });
    const rest = spool.adminStore.deadLetters({ sink: 'a' }, { limit: 3, after: listed.next });
    const redriven = await spool.adminStore.redriveDeadLetters({ sink: 'a' }, 3000, { chunk: 2, onProgress: (done) => void progress.push(done) });

    expect([...listed.items, ...rest.items].map((row) => row.seq)).toEqual([5, 4, 3, 2, 1]);
    expect(redriven).toBe(5);
    expect(progress).toEqual([2, 4, 5]);
    expect(await spool.adminStore.countDeadLetters({})).toBe(0);
    expect(spool.deadLetterCounts()).toEqual([]);
    expect(spool.due('a', 3000, 10).map((item) => item.event.attributes.id)).toEqual(['e1', 'e2', 'e3', 'e4', 'e5']);
  });

  test.each([
    ['one sink', { sink: 'a' }, 5],
    ['every sink', {}, 8],
  ])('When redriven dead letters die again while the redrive runs (%s), then the job takes each once and ends', async (_name, filter, expected) => {
    // Sink b takes alice's events only: e1 to e3.
    for (let i = 1; i <= 5; i += 1) await spool.append(event(`e${i}`, { fromaccount: i <= 3 ? 'alice' : 'bob' }), 1000 + i);
    await spool.deadLetter('a', [1, 2, 3, 4, 5], 'HTTP 400', 2000);
    await spool.deadLetter('b', [1, 2, 3], 'HTTP 400', 2000);
    const taken: string[] = [];

    // After each chunk, the sinks refuse what it queued again, at once and at the job's own time (a sink
    // that refuses everything, on a clock that has not moved).
    const redriven = await spool.adminStore.redriveDeadLetters(filter, 3000, {
      chunk: 2,
      onProgress: async () => {
        for (const sink of ['a', 'b']) {
          const due = spool.due(sink, 3000, 10);
          taken.push(...due.map((item) => `${sink}${item.seq}`));
          if (due.length > 0) await spool.deadLetter(sink, due.map((item) => item.seq), 'HTTP 400 again', 3000);
        }
      },
    });

    expect(redriven).toBe(expected);
    expect(taken).toHaveLength(expected);
    expect(new Set(taken).size).toBe(expected);
    expect(await spool.adminStore.countDeadLetters({})).toBe(8);
  });

  test('When dead letters are redriven, then their wait for the sink begins at the redrive (the age limit and the oldest pending count from it), across a restart, while listings keep the time of receipt', async () => {
    await spool.append(event('old'), 1000);
    await spool.deadLetter('a', [1], 'HTTP 500', 2000);
    await spool.adminStore.redriveDeadLetters({ sink: 'a' }, 900_000);

    expect(spool.due('a', 900_000, 10).map((item) => [item.event.attributes.id, item.receivedAt])).toEqual([['old', 900_000]]);
    expect(spool.backlog().find((b) => b.sink === 'a')?.oldestReceivedAt).toBe(900_000);
    spool.close();
    spool = openSpool({ path: join(dir, 'spool.db'), sinks: ['a', 'b'] });
    expect(spool.due('a', 900_000, 10).map((item) => item.receivedAt)).toEqual([900_000]);
    await spool.deadLetter('a', [1], 'HTTP 500 again', 901_000);
    expect(spool.adminStore.deadLetters({ sink: 'a' }, { limit: 10 }).items.map((row) => row.receivedAt)).toEqual([1000]);
  });

  test('When events are replayed, then their wait begins at the replay, not at their receipt', async () => {
    await spool.append(event('old'), 1000);
    await spool.delivered('a', [1]);
    await spool.admin.replay({ since: 0 }, [{ name: 'a', accepts: () => true }], 900_000);

    expect(spool.due('a', 900_000, 10).map((item) => [item.event.attributes.id, item.receivedAt, item.event.replayed])).toEqual([['old', 900_000, true]]);
  });

  test('When a replay takes in a dead letter of the sink, then it is pending again and no longer counted as dead', async () => {
    await spool.append(event('e1'), 1000);
    await spool.deadLetter('a', [1], 'HTTP 400', 2000);

    await spool.admin.replay({ since: 0 }, [{ name: 'a', accepts: () => true }], 3000);

    expect(spool.deadLetterCounts()).toEqual([]);
    expect(spool.due('a', 3000, 10).map((item) => item.event.attributes.id)).toEqual(['e1']);
    expect(spool.backlog().find((b) => b.sink === 'a')?.pending).toBe(1);
  });

  test('When a redrive chunk shares its commit with a callback, then it takes a fifth of its size; alone, the whole chunk', async () => {
    for (let i = 1; i <= 30; i += 1) await spool.append(event(`e${i}`), 1000 + i);
    await spool.deadLetter('a', Array.from({ length: 30 }, (_, i) => i + 1), 'HTTP 400', 2000);
    const progress: number[] = [];

    // Submitted in the same turn: the callback's append and the first chunk are one transaction.
    const [, redriven] = await Promise.all([spool.append(event('live'), 3000), spool.adminStore.redriveDeadLetters({ sink: 'a' }, 3000, { chunk: 10, onProgress: (done) => void progress.push(done) })]);

    expect(redriven).toBe(30);
    expect(progress).toEqual([2, 12, 22, 30]);
    expect(spool.deadLetterCounts()).toEqual([]);
  });

  test('When dead letters are counted in steps, then every step boundary is counted once, across times and sinks; a whole sink from memory', async () => {
    for (let i = 1; i <= 9; i += 1) await spool.append(event(`e${i}`, { fromaccount: 'alice' }), 1000 + i);
    await spool.deadLetter('a', [1, 2, 3, 4], 'HTTP 400', 2000);
    await spool.deadLetter('b', [1, 2, 3], 'HTTP 400', 2000);
    await spool.deadLetter('a', [5, 6, 7], 'HTTP 500', 3000);
    await spool.deadLetter('b', [5], 'HTTP 500', 4000);

    for (const step of [1, 2, 3, 100]) {
      expect(await spool.adminStore.countDeadLetters({ since: 2000 }, step)).toBe(11);
      expect(await spool.adminStore.countDeadLetters({ sink: 'a', since: 2000, until: 3001 }, step)).toBe(7);
      expect(await spool.adminStore.countDeadLetters({ sink: 'b', since: 2001 }, step)).toBe(1);
      expect(await spool.adminStore.countDeadLetters({ error: '400' }, step)).toBe(7);
      expect(await spool.adminStore.countDeadLetters({ seqs: [1, 5], until: 3500 }, step)).toBe(3);
    }
    // A whole sink, or all of them: the counts kept in memory.
    expect(await spool.adminStore.countDeadLetters({ sink: 'a' })).toBe(7);
    expect(await spool.adminStore.countDeadLetters({})).toBe(11);
  });

  test('When operator actions are audited, then the trail lists them newest first', async () => {
    await spool.adminStore.audit({ at: 1, actor: 'ops', action: 'dlq.redrive', target: { sink: 'a' }, count: 5, dryRun: false });
    await spool.adminStore.audit({ at: 2, actor: 'ops', action: 'replay', target: { since: 0 }, count: 3, dryRun: true });

    expect(spool.adminStore.auditTrail({ limit: 10 }).items).toEqual([
      { seq: 2, at: 2, actor: 'ops', action: 'replay', target: { since: 0 }, count: 3, dryRun: true },
      { seq: 1, at: 1, actor: 'ops', action: 'dlq.redrive', target: { sink: 'a' }, count: 5, dryRun: false },
    ]);
  });
});
