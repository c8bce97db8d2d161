import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRelayJournal, type RelayJournal } from '../../../../src/sinks/relay/journal';
import { flushError, holdFlushes } from '../../../helpers/held-flushes';
import { nextTurn, until } from '../../../helpers/wait';

const fs = jest.requireActual<typeof import('node:fs')>('node:fs');

/** Whether `promise` has settled after the pending callbacks ran: 'resolved', 'rejected' or 'pending'. */
async function state(promise: Promise<unknown>): Promise<string> {
  let outcome = 'pending';
  void promise.then(
    () => (outcome = 'resolved'),
    () => (outcome = 'rejected'),
  );
  await nextTurn();
  return outcome;
}

describe('the relay journal, flushed off the event loop', () => {
  let dir: string;
  let path: string;
  let journal: RelayJournal;
  const clock = () => 1_767_225_600_000;
  const walInode = () => fs.statSync(`${path}-wal`).ino;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgw-journal-flush-'));
    path = join(dir, 'j.sqlite');
    journal = openRelayJournal(path, { retentionMs: 86_400_000, maxBytes: 0, clock });
  });
  afterEach(() => {
    journal.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('When a send is recorded, then it is visible at once and flushed() resolves only after an fdatasync of the WAL that began after it', async () => {
    const flushes = holdFlushes();
    try {
      journal.record('e1', 'a', { bob: '1' });
      const flushed = journal.flushed();
      await until(() => flushes.held.length === 1);

      expect(journal.steps('e1').get('a')).toEqual({ sent: true, unanswered: 0 });
      expect(await state(flushed)).toBe('pending');
      expect(flushes.held[0]?.ino).toBe(walInode());
      flushes.held[0]?.release();
      expect(await flushed.then(() => 'resolved')).toBe('resolved');
      // Nothing new written: nothing to wait for.
      expect(await state(journal.flushed())).toBe('resolved');
    } finally {
      flushes.restore();
    }
  });

  test('When writes come while a flush runs, then they wait for the next flush, which covers them all', async () => {
    const flushes = holdFlushes();
    try {
      journal.record('e1', 'a', {});
      const first = journal.flushed();
      await until(() => flushes.held.length === 1);
      journal.record('e2', 'a', {});
      journal.unanswered('e3', 'a');
      const second = journal.flushed();
      const third = journal.flushed();

      flushes.held[0]?.release();
      await first;
      expect(await state(second)).toBe('pending');
      await until(() => flushes.held.length === 2);
      flushes.held[1]?.release();
      await Promise.all([second, third]);
      expect(flushes.held).toHaveLength(2);
    } finally {
      flushes.restore();
    }
  });

  test('When a flush fails, then its writes are not claimed durable, nor is any write the journal still accepts after it', async () => {
    const flushes = holdFlushes();
    try {
      journal.record('e1', 'a', {});
      const failed = journal.flushed();
      await until(() => flushes.held.length === 1);
      flushes.held[0]?.release(flushError());
      await expect(failed).rejects.toThrow('could not be flushed to disk');
    } finally {
      flushes.restore();
    }
    // fdatasync works again, but the pages of the failed flush may be gone: nothing after it counts as durable.
    journal.record('e2', 'a', {});
    expect(journal.steps('e2').get('a')).toEqual({ sent: true, unanswered: 0 });
    await expect(journal.flushed()).rejects.toThrow('could not be flushed to disk');
  });

  test('When the journal is closed, then what was recorded is flushed first (on the closing thread) and every waiting flushed() resolves', async () => {
    const flushes = holdFlushes();
    const realSyncNow = fs.fdatasyncSync;
    const syncedNow: number[] = [];
    const syncNow = jest.spyOn(fs, 'fdatasyncSync').mockImplementation((fd) => {
      syncedNow.push(fs.fstatSync(fd).ino);
      realSyncNow(fd);
    });
    try {
      journal.record('e1', 'a', {});
      const flushed = journal.flushed();
      await until(() => flushes.held.length === 1);
      journal.record('e2', 'a', {});
      const later = journal.flushed();
      const wal = walInode();
      journal.close();

      expect(syncedNow).toEqual([wal]);
      await expect(Promise.all([flushed, later])).resolves.toEqual([undefined, undefined]);
      // The flush still out at the close finishes on the WAL it was given, then lets it go.
      flushes.held[0]?.release();
    } finally {
      syncNow.mockRestore();
      flushes.restore();
    }
    journal = openRelayJournal(path, { retentionMs: 86_400_000, maxBytes: 0, clock });
    expect(journal.steps('e2').get('a')).toEqual({ sent: true, unanswered: 0 });
  });
});
