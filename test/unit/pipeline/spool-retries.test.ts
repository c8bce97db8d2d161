import { DatabaseSync } from 'node:sqlite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event } from '../../../src/events/event';
import { openSpool } from '../../../src/pipeline/spool';
import { Retries, type Retry } from '../../../src/pipeline/spool/retries';

const event = (id: string): Event => ({
  attributes: { specversion: '1.0', id, source: 's', type: 't', time: '2026-01-01T00:00:00.000Z', datacontenttype: 'application/json' },
  data: '{}',
});

const retriesOf = (seqs: readonly number[]): Retries => {
  const retries = new Retries();
  for (const seq of seqs) retries.set(seq, { seq, receivedAt: seq, attempts: 0, nextAt: 0 } satisfies Retry);
  return retries;
};

describe('spool retries', () => {
  test.each([0, 1, 5, 1000])('When %i retries are asked for among shuffled ones, then the lowest seqs come in order', (limit) => {
    const seqs = Array.from({ length: 3000 }, (_, i) => (i * 7919) % 3001 + 1);
    const retries = retriesOf(seqs);

    const lowest = retries.lowest(limit).map((retry) => retry.seq);

    expect(lowest).toEqual([...seqs].sort((a, b) => a - b).slice(0, limit));
    expect(retries.lowest(limit).map((retry) => retry.seq)).toEqual(lowest);
  });

  test('When retries are delivered, replaced and added again, then the lowest, the first and the oldest receipt follow the map', () => {
    const retries = retriesOf([5, 3, 9, 1, 7]);
    retries.delete(1);
    retries.delete(3);
    retries.set(5, { seq: 5, receivedAt: 50, attempts: 2, nextAt: 0 });
    retries.set(2, { seq: 2, receivedAt: 90, attempts: 0, nextAt: 0 });

    expect(retries.lowest(10).map((retry) => [retry.seq, retry.attempts])).toEqual([[2, 0], [5, 2], [7, 0], [9, 0]]);
    expect(retries.first()?.seq).toBe(2);
    expect(retries.oldestReceivedAt()).toBe(7);
    retries.clear();
    expect([retries.first(), retries.oldestReceivedAt(), retries.lowest(3)]).toEqual([undefined, undefined, []]);
  });

  test('When most of a large set is removed out of order and new retries keep coming, then every answer still matches the map', () => {
    const retries = retriesOf(Array.from({ length: 5000 }, (_, i) => i + 1));
    for (let seq = 5000; seq > 100; seq -= 1) retries.delete(seq);
    for (let seq = 10_000; seq < 13_000; seq += 1) retries.set(seq, { seq, receivedAt: 1, attempts: 0, nextAt: 0 });

    const expected = [...retries.keys()].sort((a, b) => a - b).slice(0, 150);
    expect(retries.lowest(150).map((retry) => retry.seq)).toEqual(expected);
    expect(retries.first()?.seq).toBe(1);
    expect(retries.oldestReceivedAt()).toBe(1);
    for (let seq = 1; seq <= 100; seq += 1) retries.delete(seq);
    expect(retries.first()?.seq).toBe(10_000);
  });

  test('When a sink has more retries than one batch, then due() reads the events of that batch only (one unreadable further on does not stop it)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'imgw-retries-'));
    const path = join(dir, 'spool.db');
    const first = openSpool({ path, sinks: ['a'] });
    for (let n = 1; n <= 50; n += 1) await first.append(event(`e${n}`), n);
    await first.failed('a', Array.from({ length: 50 }, (_, i) => i + 1), 'down', 100, 10);
    first.close();
    const other = new DatabaseSync(path);
    other.prepare("UPDATE log SET attributes = '{' WHERE seq = 40").run();
    other.close();
    const spool = openSpool({ path, sinks: ['a'] });
    try {

      const due = spool.due('a', 100, 10);

      expect(due.map((item) => item.event.attributes.id)).toEqual(Array.from({ length: 10 }, (_, i) => `e${i + 1}`));
    } finally {
      spool.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
  test('When due retries fill the slice, then the events after the cursor are not read for it (one unreadable there does not stop them)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'imgw-retries-'));
    const path = join(dir, 'spool.db');
    const first = openSpool({ path, sinks: ['a'] });
    for (let n = 1; n <= 10; n += 1) await first.append(event(`e${n}`), n);
    await first.failed('a', Array.from({ length: 10 }, (_, i) => i + 1), 'down', 100, 10);
    // A pass reads past the failed events: the cursor moves over them.
    expect(first.due('a', 50, 10)).toEqual([]);
    await first.append(event('fresh'), 20);
    first.close();
    const other = new DatabaseSync(path);
    other.prepare("UPDATE log SET attributes = '{' WHERE seq = 11").run();
    other.close();
    const spool = openSpool({ path, sinks: ['a'] });
    try {

      const due = spool.due('a', 100, 10);

      expect(due.map((item) => item.event.attributes.id)).toEqual(Array.from({ length: 10 }, (_, i) => `e${i + 1}`));
    } finally {
      spool.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('retried events delivered in runs', () => {
  test('When runs of retried events are read and delivered around a dead letter, a delivered event and another sink\'s retry, then each run is one range and only its own rows leave', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'imgw-runs-'));
    const path = join(dir, 'spool.db');
    const spool = openSpool({ path, sinks: ['a', 'b'] });
    try {
      for (let n = 1; n <= 8; n += 1) await spool.append(event(`e${n}`), n);
      await spool.deadLetter('a', [3], 'refused', 10);
      await spool.failed('a', [1, 2, 4, 5, 7, 8], 'down', 0, 10);
      await spool.failed('b', [4], 'down', 0, 10);
      // Event 6 was delivered to a before: a hole between the runs.
      await spool.delivered('a', [6]);

      const due = spool.due('a', 20, 100);
      expect(due.map((item) => [item.seq, item.event.attributes.id, item.attempts])).toEqual([[1, 'e1', 1], [2, 'e2', 1], [4, 'e4', 1], [5, 'e5', 1], [7, 'e7', 1], [8, 'e8', 1]]);
      await spool.delivered('a', due.map((item) => item.seq).reverse());

      spool.close();
      const db = new DatabaseSync(path);
      try {
        expect(db.prepare('SELECT sink, seq, state FROM exceptions ORDER BY sink, seq').all().map((row) => ({ ...row }))).toEqual([
          { sink: 'a', seq: 3, state: 'dead' },
          { sink: 'b', seq: 4, state: 'retry' },
        ]);
      } finally {
        db.close();
      }
    } finally {
      spool.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
