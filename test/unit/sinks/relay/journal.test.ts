import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openRelayJournal } from '../../../../src/sinks/relay/journal';

describe('the relay journal', () => {
  let dir: string;
  let now: number;
  const clock = () => now;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgw-journal-'));
    now = 1_767_225_600_000;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('When calls of a step go unanswered or are accepted, then the journal says how many went unanswered and whether it was sent, across a restart', () => {
    const path = join(dir, 'j.sqlite');
    let journal = openRelayJournal(path, { retentionMs: 86_400_000, maxBytes: 0, clock });
    journal.unanswered('e1', 'a');
    journal.unanswered('e1', 'a');
    journal.unanswered('e1', 'b');
    journal.record('e1', 'b', { bob: '1' });
    journal.record('e1', 'c', undefined);
    journal.close();

    journal = openRelayJournal(path, { retentionMs: 86_400_000, maxBytes: 0, clock });
    const steps = journal.steps('e1');
    journal.close();

    expect(Object.fromEntries(steps)).toEqual({ a: { sent: false, unanswered: 2 }, b: { sent: true, unanswered: 0 }, c: { sent: true, unanswered: 0 } });
  });

  test('When the journal grows past journalMaxBytes, then the oldest entries are dropped (and reported) and the newest kept', () => {
    const maxBytes = 16 * 1024;
    const pruned: number[] = [];
    const journal = openRelayJournal(join(dir, 'j.sqlite'), { retentionMs: 86_400_000, maxBytes, clock, onPruned: (n) => pruned.push(n) });
    let largest = 0;
    for (let i = 0; i < 1200; i++) {
      now += 1;
      journal.record(`event-${i}`, `step-${i}`, { [`user-${i}`]: String(1229384756103000001n + BigInt(i)) });
      largest = Math.max(largest, journal.bytes());
    }
    const newest = journal.steps('event-1199');
    const oldest = journal.steps('event-0');
    journal.close();

    expect(pruned.length).toBeGreaterThan(0);
    // Checked every 256 writes: it may pass the bound by that many entries before pruning.
    expect(largest).toBeLessThan(maxBytes + 48 * 1024);
    expect(newest.get('step-1199')).toEqual({ sent: true, unanswered: 0 });
    expect(oldest.size).toBe(0);
  });

  test('When no byte bound is set, then nothing is dropped before its retention', () => {
    const journal = openRelayJournal(join(dir, 'j.sqlite'), { retentionMs: 86_400_000, maxBytes: 0, clock });
    for (let i = 0; i < 500; i++) journal.record(`event-${i}`, 's', {});
    const oldest = journal.steps('event-0');
    const bytes = journal.bytes();
    journal.close();

    expect(oldest.get('s')).toEqual({ sent: true, unanswered: 0 });
    expect(bytes).toBeGreaterThan(16 * 1024);
  });
  test('When a send cannot be recorded (the write fails), then the journal stops: it reports the fault once, confirms nothing more, and stays stopped after the cause is gone', async () => {
    const path = join(dir, 'j.sqlite');
    const failures: Error[] = [];
    const journal = openRelayJournal(path, { retentionMs: 86_400_000, maxBytes: 0, clock, onFlushFailed: (failure) => failures.push(failure) });
    journal.record('e1', 'a', { bob: '1' });
    await journal.flushed();
    // Another connection holds the write lock: the journal's next write fails at once, as one on a full disk would.
    const other = new DatabaseSync(path);
    other.exec('BEGIN IMMEDIATE');
    try {
      expect(() => journal.record('e2', 'a', { bob: '2' })).toThrow(/locked|busy/i);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }

    expect(journal.fault()).toMatch(/could not record a send/);
    expect(failures).toHaveLength(1);
    await expect(journal.flushed()).rejects.toThrow(/could not record a send/);
    expect(() => journal.unanswered('e3', 'a')).not.toThrow();
    expect(journal.fault()).toMatch(/could not record a send/);
    expect(failures).toHaveLength(1);
    journal.close();
  });
});
