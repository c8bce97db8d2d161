import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event } from '../../../src/events/event';
import { openSpool, type Spool } from '../../../src/pipeline/spool';
import { nextTurn, until } from '../../helpers/wait';

const event = (id: string, data = '{"n":1}'): Event => ({
  attributes: { specversion: '1.0', id, source: 's', type: 't', time: '2026-01-01T00:00:00.000Z', datacontenttype: 'application/json' },
  data,
});

// The module object the spool calls into (a namespace import's properties cannot be replaced).
const fs = jest.requireActual<typeof import('node:fs')>('node:fs');


describe('spool', () => {
  let dir: string;
  let spool: Spool;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgw-spool-'));
    spool = openSpool({ path: join(dir, 'spool.db'), sinks: ['a', 'b'], freeBytes: () => 0 });
  });
  afterEach(() => {
    spool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('When the database is opened, then it is in WAL mode and SQLite leaves the commit flush to the spool (synchronous NORMAL)', () => {
    expect(spool.pragma('journal_mode')).toBe('wal');
    expect(spool.pragma('synchronous')).toBe(1);
  });

  test('When an event is appended, then it is answered only after the WAL file has been flushed to disk', async () => {
    const flushed: number[] = [];
    const wal = fs.openSync(join(dir, 'spool.db-wal'), 'r');
    const walInode = fs.fstatSync(wal).ino;
    fs.closeSync(wal);
    const real = fs.fdatasync;
    let release: (() => void) | undefined;
    const spy = jest.spyOn(fs, 'fdatasync').mockImplementation(((fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
      flushed.push(fs.fstatSync(fd).ino);
      release = () => real(fd, callback);
    }) as typeof fs.fdatasync);
    try {
      let answered = false;
      const appended = spool.append(event('durable'), 1).then((outcome) => {
        answered = true;
        return outcome;
      });
      await until(() => release !== undefined);
      // Committed (visible), but not answered before the flush of the WAL has finished.
      expect(spool.admin.stats().events).toBe(1);
      await nextTurn();
      expect(answered).toBe(false);
      release?.();
      await expect(appended).resolves.toBe('accepted');
      expect(flushed).toEqual([walInode]);
    } finally {
      spy.mockRestore();
    }
  });

  test('When an append waits for a WAL flush, then onFlush hears of that flush and its duration once it has finished, before the append is answered', async () => {
    spool.close();
    const flushes: number[] = [];
    spool = openSpool({ path: join(dir, 'spool.db'), sinks: ['a', 'b'], freeBytes: () => 0, onFlush: (seconds) => flushes.push(seconds) });
    const real = fs.fdatasync;
    let release: (() => void) | undefined;
    const spy = jest.spyOn(fs, 'fdatasync').mockImplementation(((fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
      release = () => real(fd, callback);
    }) as typeof fs.fdatasync);
    try {
      let heardWhenAnswered: number | undefined;
      const appended = spool.append(event('timed'), 1).then(() => (heardWhenAnswered = flushes.length));
      await until(() => release !== undefined);
      await nextTurn();
      expect(flushes).toEqual([]);
      release?.();
      await appended;

      expect(heardWhenAnswered).toBe(1);
      expect(flushes).toHaveLength(1);
      expect(flushes[0]).toBeGreaterThanOrEqual(0);
      expect(flushes[0]).toBeLessThan(60);
    } finally {
      spy.mockRestore();
    }
  });

  test('When the WAL flush fails, then the writes it covered are rejected and the spool stays damaged though a later flush succeeds', async () => {
    const spy = jest.spyOn(fs, 'fdatasync').mockImplementation(((_fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
      callback(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    }) as typeof fs.fdatasync);
    try {
      await expect(spool.append(event('lost-flush'), 1)).rejects.toThrow('EIO');
      expect(spool.healthy).toBe(false);
    } finally {
      spy.mockRestore();
    }
    // The kernel may have dropped the pages it could not write: what follows cannot be trusted until a restart.
    expect(spool.damage()).toMatch(/^a flush of the WAL failed \(EIO: i\/o error, fdatasync\); restart the gateway$/);
    await spool.append(event('next'), 1);
    expect(spool.damage()).toMatch(/^a flush of the WAL failed/);
  });

  test('When an event is appended twice, then the second is a duplicate and it is pending once per sink', async () => {
    expect(await spool.append(event('e1'), 1000)).toBe('accepted');
    expect(await spool.append(event('e1', '{"n":2}'), 2000)).toBe('duplicate');

    expect(spool.due('a', 5000, 10).map((item) => item.event)).toEqual([event('e1')]);
    expect(spool.due('b', 5000, 10)).toHaveLength(1);
    expect(spool.backlog()).toEqual([
      { sink: 'a', pending: 1, oldestReceivedAt: 1000 },
      { sink: 'b', pending: 1, oldestReceivedAt: 1000 },
    ]);
  });

  test('When a write comes after the spool was closed (a request still in flight at shutdown), then it is refused at once and nothing runs on the closed database', async () => {
    const queued = spool.append(event('queued-at-close'), 1000);
    spool.close();
    const late = spool.append(event('after-close'), 1001);
    await nextTurn();
    await nextTurn();

    await expect(queued).resolves.toBe('accepted');
    await expect(late).rejects.toThrow('the spool is closed');
    const reopened = openSpool({ path: join(dir, 'spool.db'), sinks: ['a', 'b'] });
    try {
      expect(await reopened.append(event('queued-at-close'), 2000)).toBe('duplicate');
      expect(await reopened.append(event('after-close'), 2000)).toBe('accepted');
    } finally {
      reopened.close();
    }
  });

  test('When the spool is opened again, after a close or after its process stopped without one, then a repeat of a stored event is a duplicate', async () => {
    await spool.append(event('kept'), 1000);
    const abandoned = openSpool({ path: join(dir, 'spool.db'), sinks: ['a', 'b'] });
    await abandoned.append(event('unclosed'), 1001);

    // A second connection reads what the first one committed, as a start after kill -9 reads the WAL.
    const reopened = openSpool({ path: join(dir, 'spool.db'), sinks: ['a', 'b'] });
    try {
      expect(await reopened.append(event('kept'), 2000)).toBe('duplicate');
      expect(await reopened.append(event('unclosed'), 2000)).toBe('duplicate');
      expect(await reopened.append(event('new'), 2000)).toBe('accepted');
    } finally {
      reopened.close();
      abandoned.close();
    }
  });

  test('When the de-duplication window is smaller than the log, then only the newest ids are remembered', async () => {
    const small = openSpool({ path: join(dir, 'small.db'), sinks: ['a'], dedupeWindow: 2 });
    try {
      for (const id of ['w1', 'w2', 'w3']) await small.append(event(id), 1000);

      expect(await small.append(event('w3'), 2000)).toBe('duplicate');
      expect(await small.append(event('w1'), 2000)).toBe('accepted');
    } finally {
      small.close();
    }
  });

  test('When an operator command on its own connection changes a sink while the service delivers, then the service neither goes back nor miscounts', async () => {
    for (const id of ['o1', 'o2', 'o3']) await spool.append(event(id), 1000);
    const operator = openSpool({ path: join(dir, 'spool.db'), sinks: ['a', 'b'] });
    await spool.delivered('a', spool.due('a', 5000, 10).map((item) => item.seq));

    const queued = await operator.admin.replay({ since: 0 }, [{ name: 'a', accepts: (e) => e.attributes.id === 'o1' }], 5000);
    operator.close();

    expect(queued).toBe(1);
    expect(spool.due('a', 5000, 10).map((item) => item.event.attributes.id)).toEqual(['o1']);
    expect(spool.backlog()).toEqual([
      { sink: 'a', pending: 1, oldestReceivedAt: 5000 },
      { sink: 'b', pending: 3, oldestReceivedAt: 1000 },
    ]);
  });

  test('When many appends are submitted in one turn, then they share one transaction and all resolve', async () => {
    const walBefore = statSync(join(dir, 'spool.db-wal')).size;

    const outcomes = await Promise.all(Array.from({ length: 200 }, (_, i) => spool.append(event(`g${i % 150}`), 1000 + i)));

    // One commit writes each touched page once (a few pages); 150 commits would write several pages each (>1 MB).
    expect(statSync(join(dir, 'spool.db-wal')).size - walBefore).toBeLessThan(100_000);
    expect(outcomes.filter((o) => o === 'accepted')).toHaveLength(150);
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(50);
    expect(spool.admin.stats().events).toBe(150);
  });

  test('When one sink has an event, then it is no longer due for it but still due for the other', async () => {
    await spool.append(event('e1'), 1000);
    await spool.append(event('e2'), 1001);
    const [first] = spool.due('a', 5000, 1);

    await spool.delivered('a', [first!.seq]);

    expect(spool.due('a', 5000, 10).map((item) => item.event.attributes.id)).toEqual(['e2']);
    expect(spool.due('b', 5000, 10).map((item) => item.event.attributes.id)).toEqual(['e1', 'e2']);
  });

  test('When a write failed, then the event waits until next_at and keeps its attempts and errors', async () => {
    await spool.append(event('e1'), 1000);
    const seq = spool.due('a', 5000, 1)[0]!.seq;

    await spool.failed('a', [seq], 'first', 10_000);
    await spool.failed('a', [seq], 'second', 20_000);

    expect(spool.due('a', 19_999, 10)).toEqual([]);
    expect(spool.nextDueAt('a')).toBe(20_000);
    expect(spool.due('a', 20_000, 10)[0]?.attempts).toBe(2);
    expect(spool.admin.exceptions('retry', 'a').map(({ first_error, last_error }) => ({ first_error, last_error }))).toEqual([{ first_error: 'first', last_error: 'second' }]);
  });

  test('When the oldest event waits for a retry, then later events are held back so the sink gets them in order', async () => {
    await spool.append(event('first'), 1000);
    await spool.append(event('second'), 1001);
    const [first] = spool.due('a', 5000, 1);

    await spool.failed('a', [first!.seq], 'down', 9000);

    expect(spool.due('a', 5000, 10)).toEqual([]);
    expect(spool.nextDueAt('a')).toBe(9000);
    expect(spool.due('a', 9000, 10).map((item) => item.event.attributes.id)).toEqual(['first', 'second']);
  });

  test('When the spool is reopened, then pending events are still there', async () => {
    await spool.append(event('e1'), 1000);
    spool.close();

    spool = openSpool({ path: join(dir, 'spool.db'), sinks: ['a', 'b'] });

    expect(spool.due('a', 5000, 10).map((item) => item.event)).toEqual([event('e1')]);
  });

  test('When pruning, then only events delivered everywhere and older than the cutoff are removed', async () => {
    await spool.append(event('old-done'), 1000);
    await spool.append(event('old-pending'), 1000);
    await spool.append(event('new-done'), 9000);
    const seqs = spool.due('a', 10_000, 10).map((item) => item.seq);
    await spool.delivered('a', seqs);
    await spool.delivered('b', [seqs[0]!, seqs[2]!]);

    const removed = await spool.prune(5000);

    expect(removed).toBe(1);
    expect(spool.admin.events().map((row) => row.id)).toEqual(['old-pending', 'new-done']);
    expect(await spool.append(event('old-done'), 9500)).toBe('accepted');
  });

  test('When more events are prunable than one window, then pruneAll removes them all in one walk', async () => {
    for (let i = 0; i < 25; i++) await spool.append(event(`p${i}`), 1000);
    const seqs = spool.due('a', 10_000, 100).map((item) => item.seq);
    await spool.delivered('a', seqs);
    await spool.delivered('b', seqs);

    const removed = await spool.pruneAll(5000);

    expect(removed).toBe(25);
    expect(spool.admin.stats().events).toBe(0);
  });

  test('When thousands of dead letters hold the front of the log, then pruning walks past them in short transactions and removes what is behind them', async () => {
    const held = 5000;
    await Promise.all(Array.from({ length: held }, (_, i) => spool.append(event(`held-${i}`), 1000)));
    const heldSeqs = spool.due('a', 10_000, held).map((item) => item.seq);
    await spool.deadLetter('a', heldSeqs, 'HTTP 400', 2000);
    await spool.delivered('b', heldSeqs);
    await Promise.all(Array.from({ length: 30 }, (_, i) => spool.append(event(`done-${i}`), 1000)));
    const doneSeqs = spool.due('a', 10_000, 100).map((item) => item.seq);
    await spool.delivered('a', doneSeqs);
    await spool.delivered('b', doneSeqs);
    const settled: string[] = [];

    const pruning = spool.pruneAll(5000).then((removed) => {
      settled.push('prune');
      return removed;
    });
    await nextTurn();
    const callback = spool.append(event('arrived-while-pruning'), 1500).then(() => settled.push('callback'));
    const removed = await pruning;
    await callback;

    expect(heldSeqs).toHaveLength(held);
    expect(removed).toBe(30);
    expect(spool.admin.stats().events).toBe(held + 1);
    // A callback that came during the walk was committed between two of its transactions.
    expect(settled).toEqual(['callback', 'prune']);
  });

  test('When events are appended, pruned, forgotten and rolled back, then the count of stored events kept in memory matches the file', async () => {
    await Promise.all(Array.from({ length: 40 }, (_, i) => spool.append(event(`c-${i}`), 1000 + i)));
    await spool.append(event('c-0'), 2000);
    const seqs = spool.due('a', 10_000, 10).map((item) => item.seq);
    await spool.delivered('a', seqs);
    await spool.delivered('b', seqs);
    const pruned = await spool.pruneAll(1005);
    await spool.forget('c-20');
    const inMemory = spool.admin.stats().events;
    spool.close();
    spool = openSpool({ path: join(dir, 'spool.db'), sinks: ['a', 'b'] });

    expect(pruned).toBe(5);
    expect(inMemory).toBe(34);
    expect(spool.admin.stats().events).toBe(34);
  });

  test('When a request is quarantined, then its raw bytes and reason are kept', async () => {
    const body = Buffer.from([0x7b, 0xff]);

    const head = { query: 'SdkAppid=1&Sign=redacted', headers: { md5: 'abc' } };

    const id = await spool.quarantine({ receivedAt: 1, vendor: 'tencent', command: 'C2C.X', reason: 'invalid_encoding', detail: 'd', head, body });

    const { reason, head: storedHead, body: storedBody } = spool.admin.quarantineRows().find((entry) => entry.qid === id)!;
    const row = { reason, head: storedHead, body: storedBody };
    expect(row).toEqual({ reason: 'invalid_encoding', head: expect.any(String), body });
    expect(JSON.parse(row.head)).toEqual(head);
  });

  test('When an event carries a neutral message, then due() gives it back; without one, the event has no message field', async () => {
    const withMessage: Event = { ...event('m1'), message: '{"kind":"c2c","elements":[]}' };
    await spool.append(withMessage, 1000);
    await spool.append(event('m2'), 1001);

    const due = spool.due('a', 5000, 10).map((item) => item.event);

    expect(due).toEqual([withMessage, event('m2')]);
    expect('message' in due[1]!).toBe(false);
  });

  test('When events are delivered, dead-lettered, forgotten or re-queued by another connection, then the kept counts follow', async () => {
    for (const id of ['c1', 'c2', 'c3', 'c4']) await spool.append(event(id), 1000 + Number(id.slice(1)));
    const seqs = spool.due('a', 5000, 10).map((item) => item.seq);

    await spool.delivered('a', [seqs[0]!]);
    await spool.deadLetter('a', [seqs[1]!], 'gone', 2000);
    await spool.forget('c4');
    // An operator's redrive goes through the spool's own committer: it is counted at once.
    await spool.admin.redriveDeadLetters({}, 0);

    expect(spool.backlog()).toEqual([
      { sink: 'a', pending: 2, oldestReceivedAt: 1002 },
      { sink: 'b', pending: 3, oldestReceivedAt: 1001 },
    ]);
    expect(spool.deadLetterCounts()).toEqual([]);
  });

  test('When a commit fails, then every write of that batch is rejected and the spool reports unhealthy', async () => {
    spool.pragma('max_page_count = 1');
    const big = 'x'.repeat(100_000);

    const results = await Promise.allSettled([spool.append(event('f1', `"${big}"`), 1), spool.append(event('f2', `"${big}"`), 1)]);

    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(spool.healthy).toBe(false);
    expect(spool.full).toBe(true);
  });

  test('When the disk has no room for new events but a delivery still commits, then the spool stays unhealthy until the disk shows room again', async () => {
    let free = 0;
    const full = openSpool({ path: join(dir, 'full.db'), sinks: ['a'], freeBytes: () => free });
    try {
      expect(await full.append(event('before'), 1)).toBe('accepted');
      const [first] = full.due('a', 5, 10);
      full.pragma('max_page_count = 1');
      const big = `"${'x'.repeat(100_000)}"`;
      await expect(full.append(event('big', big), 2)).rejects.toThrow(/full/);
      expect(full.healthy).toBe(false);
      // A vendor's resend of a stored event is a duplicate: it writes nothing and proves nothing.
      expect(await full.append(event('before'), 2)).toBe('duplicate');
      expect(full.healthy).toBe(false);

      // An acknowledgement rewrites pages that exist: it commits, and callbacks still cannot be stored.
      await full.delivered('a', [first!.seq]);
      expect(full.backlog()).toEqual([]);
      expect(full.healthy).toBe(false);
      expect(full.full).toBe(true);

      // Room for less than twice the refused write: still not ready.
      free = 150_000;
      expect(full.healthy).toBe(false);
      full.pragma('max_page_count = 1073741823');
      free = 10_000_000;
      expect(full.healthy).toBe(true);
      expect(full.full).toBe(false);
      expect(await full.append(event('big', big), 3)).toBe('accepted');
    } finally {
      full.close();
    }
  });

  test('When the spool is opened on a volume with less than 1 MiB free, then it is not ready until the volume has room', () => {
    let free = 512 * 1024;
    const full = openSpool({ path: join(dir, 'full.db'), sinks: ['a'], freeBytes: () => free });
    try {
      expect(full.healthy).toBe(false);
      expect(full.full).toBe(true);
      free = 2 * 1024 * 1024;
      expect(full.healthy).toBe(true);
    } finally {
      full.close();
    }
  });

  test('When an append is refused for room and a later append is stored, then the spool is healthy again without asking the disk', async () => {
    const full = openSpool({ path: join(dir, 'full.db'), sinks: ['a'], freeBytes: () => 0 });
    try {
      full.pragma('max_page_count = 1');
      await expect(full.append(event('big', `"${'x'.repeat(100_000)}"`), 1)).rejects.toThrow(/full/);
      expect(full.healthy).toBe(false);
      full.pragma('max_page_count = 1073741823');
      expect(await full.append(event('small'), 2)).toBe('accepted');
      expect(full.healthy).toBe(true);
    } finally {
      full.close();
    }
  });
});

describe('spool.trimTo (the direct-mode id store)', () => {
  test('When more events are kept than the bound, then the oldest ones no sink waits for are removed and duplicates of the newest are still found', async () => {
    const spool = openSpool({ path: ':memory:', sinks: [] });
    const withPending = openSpool({ path: ':memory:', sinks: ['a'] });
    try {
      for (let n = 0; n < 50; n++) await spool.append(event(`t${n}`), n);
      for (let n = 0; n < 5; n++) await withPending.append(event(`p${n}`), n);

      expect(await spool.trimTo(20)).toBe(30);
      expect(spool.admin.stats().events).toBe(20);
      await expect(spool.append(event('t49'), 99)).resolves.toBe('duplicate');
      await expect(spool.append(event('t0'), 99)).resolves.toBe('accepted');
      // Events a sink still waits for are never dropped by the bound.
      expect(await withPending.trimTo(0)).toBe(0);
    } finally {
      spool.close();
      withPending.close();
    }
  });
});
