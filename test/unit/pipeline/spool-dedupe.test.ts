import { DatabaseSync } from 'node:sqlite';
import { createDedupe } from '../../../src/pipeline/spool/dedupe';
import { createDigestTable } from '../../../src/pipeline/spool/digest-table';

/** A small deterministic generator, so a failing sequence can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('the digest table (typed arrays, linear probing, a ring for age)', () => {
  test('When entries are added past the window, removed and looked up at random, then it holds exactly what a list of the newest entries holds', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const next = random(seed);
      const max = 1 + Math.floor(next() * 300);
      const table = createDigestTable(max);
      // The oracle: the window's entries in age order, each present until removed or pushed out.
      const window: { high: number; low: number; seq: number; present: boolean }[] = [];
      // Few distinct digests, so entries share digests and probe runs are long and wrap around.
      const digest = () => [Math.floor(next() * 4), Math.floor(next() * 2 ** 32)] as const;
      const known: (readonly [number, number])[] = Array.from({ length: 40 }, digest);
      const pick = () => known[Math.floor(next() * known.length)] as readonly [number, number];
      let seq = 0;
      for (let step = 0; step < 5000; step++) {
        const [high, low] = pick();
        const roll = next();
        if (roll < 0.6) {
          seq += 1;
          table.add(high, low, seq);
          window.push({ high, low, seq, present: true });
          if (window.length > max) window.shift();
        } else if (roll < 0.8 && window.length > 0) {
          // An entry of the window (present or not), or one that never was.
          const target = next() < 0.9 ? (window[Math.floor(next() * window.length)] as (typeof window)[number]) : { high, low, seq: seq + 1, present: false };
          table.removeEntry(target.high, target.low, target.seq);
          target.present = false;
        }
        const seen: number[] = [];
        table.forEach(high, low, (s) => seen.push(s));
        const expected = window.filter((e) => e.present && e.high === high && e.low === low).map((e) => e.seq);
        expect(seen.sort((a, b) => a - b)).toEqual(expected);
        expect(table.size).toBe(window.filter((e) => e.present).length);
        expect(table.oldestSeq()).toBe(window[0]?.seq);
      }
    }
  });
});

describe('de-duplication by keyed digests, confirmed by the id', () => {
  let db: DatabaseSync;
  beforeEach(() => {
    db = new DatabaseSync(':memory:');
    db.exec('CREATE TABLE log (seq INTEGER PRIMARY KEY, id TEXT NOT NULL)');
  });
  afterEach(() => db.close());
  const store = (seq: number, id: string) => db.prepare('INSERT INTO log (seq, id) VALUES (?, ?)').run(seq, id);
  /** Every id has the same digest: only the confirmation against the id tells them apart. */
  const collide = () => [7, 7] as const;

  test('When every id has the same digest, then a repeat is still a duplicate and a new id never is, before and after its commit', () => {
    const dedupe = createDedupe(db, 10, collide);
    dedupe.add('a', 1);
    expect([dedupe.has('a'), dedupe.has('b')]).toEqual([true, false]);
    store(1, 'a');
    dedupe.committed('a', 1);
    dedupe.add('b', 2);
    store(2, 'b');
    dedupe.committed('b', 2);

    expect([dedupe.has('a'), dedupe.has('b'), dedupe.has('c')]).toEqual([true, true, false]);
    expect([dedupe.seqOf('a'), dedupe.seqOf('b'), dedupe.seqOf('c')]).toEqual([1, 2, undefined]);
  });

  test('When an append fails before its row is stored, then forgetting it lets the id come again, and another id with the same digest is kept', () => {
    const dedupe = createDedupe(db, 10, collide);
    dedupe.add('kept', 1);
    store(1, 'kept');
    dedupe.committed('kept', 1);
    dedupe.add('failed', 2);
    dedupe.forget('failed', 2);

    expect([dedupe.has('failed'), dedupe.has('kept'), dedupe.size]).toEqual([false, true, 1]);
  });

  test('When an event is removed whose id came again later (a resend after the window), then only the removed copy is forgotten and the later one is still a duplicate', () => {
    const dedupe = createDedupe(db, 10, collide);
    dedupe.add('x', 1);
    store(1, 'x');
    dedupe.committed('x', 1);
    // The later copy, accepted once the first had left the window, and still in flight when the first goes.
    dedupe.add('x', 5);
    db.prepare('DELETE FROM log WHERE seq = 1').run();
    dedupe.forget('x', 1);
    expect(dedupe.has('x')).toBe(true);
    store(5, 'x');
    dedupe.committed('x', 5);
    expect([dedupe.has('x'), dedupe.seqOf('x')]).toEqual([true, 5]);
  });

  test('When the window is full, then the oldest id is forgotten, and a rebuild from the log keeps appends still in flight', () => {
    const dedupe = createDedupe(db, 3, collide);
    for (const [seq, id] of [[1, 'w1'], [2, 'w2'], [3, 'w3']] as const) {
      dedupe.add(id, seq);
      store(seq, id);
      dedupe.committed(id, seq);
    }
    dedupe.add('in-flight', 4);
    expect(['w1', 'w2', 'w3', 'in-flight'].map((id) => dedupe.has(id))).toEqual([false, true, true, true]);

    dedupe.load();

    expect(['w1', 'w2', 'w3', 'in-flight'].map((id) => dedupe.has(id))).toEqual([false, true, true, true]);
    expect(dedupe.oldestSeq()).toBe(2);
  });
});
