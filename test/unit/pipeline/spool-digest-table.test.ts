import { createDigestTable } from '../../../src/pipeline/spool/digest-table';

/** A deterministic stream of 32-bit numbers (mulberry32), so a failure repeats. */
function numbers(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** What the table must answer: the newest `max` entries added, less those removed. */
function model(max: number) {
  const ring: { high: number; low: number; seq: number; removed: boolean }[] = [];
  return {
    add(high: number, low: number, seq: number) {
      ring.push({ high, low, seq, removed: false });
      if (ring.length > max) ring.shift();
    },
    remove(high: number, low: number, seq: number) {
      const entry = ring.find((e) => !e.removed && e.high === high && e.low === low && e.seq === seq);
      if (entry) entry.removed = true;
    },
    seqs: (high: number, low: number) => ring.filter((e) => !e.removed && e.high === high && e.low === low).map((e) => e.seq).sort((x, y) => x - y),
    size: () => ring.filter((e) => !e.removed).length,
    oldestSeq: () => ring[0]?.seq,
  };
}

describe('The de-duplication window of digests', () => {
  test.each([1, 7, 64, 1000])('When %i-entry windows take adds, repeats, collisions and removals, then every lookup answers what the newest entries hold', (max) => {
    const next = numbers(max);
    const table = createDigestTable(max);
    const expected = model(max);
    // Few distinct digests, and lows that share a home cell: long probe runs that wrap around.
    const digests = Array.from({ length: Math.max(4, max) }, (_, i) => ({ high: next(), low: i % 3 === 0 ? next() : ((next() & ~0xff) | 5) >>> 0 }));
    const pick = () => digests[next() % digests.length]!;
    let seq = 0;
    for (let step = 0; step < 20 * max + 200; step++) {
      const roll = next() % 10;
      if (roll < 7) {
        const { high, low } = pick();
        seq += 1;
        table.add(high, low, seq);
        expected.add(high, low, seq);
      } else if (roll < 9 && seq > 0) {
        const { high, low } = pick();
        const target = seq - (next() % Math.min(seq, 2 * max));
        table.removeEntry(high, low, target);
        expected.remove(high, low, target);
      }
      const probe = pick();
      const seen: number[] = [];
      table.forEach(probe.high, probe.low, (s) => seen.push(s));
      expect(seen.sort((x, y) => x - y)).toEqual(expected.seqs(probe.high, probe.low));
      expect(table.size).toBe(expected.size());
      expect(table.oldestSeq()).toBe(expected.oldestSeq());
    }
    for (const { high, low } of digests) {
      const seen: number[] = [];
      table.forEach(high, low, (s) => seen.push(s));
      expect(seen.sort((x, y) => x - y)).toEqual(expected.seqs(high, low));
    }
  });

  test('When the window is cleared, then nothing is found and it fills again', () => {
    const table = createDigestTable(4);
    for (let seq = 1; seq <= 6; seq++) table.add(1, 5, seq);
    table.clear();
    const seen: number[] = [];
    table.forEach(1, 5, (s) => seen.push(s));
    table.add(1, 5, 7);
    const after: number[] = [];
    table.forEach(1, 5, (s) => after.push(s));

    expect(seen).toEqual([]);
    expect(table.size).toBe(1);
    expect(after).toEqual([7]);
    expect(table.oldestSeq()).toBe(7);
  });

  test('When the window holds the default 200,000 ids, then its arrays take about 5 MB (4 bytes a table cell, 16 an entry)', () => {
    const before = process.memoryUsage().arrayBuffers;
    const table = createDigestTable(200_000);
    const bytes = process.memoryUsage().arrayBuffers - before;
    table.add(1, 2, 3);

    expect(bytes).toBe(524_288 * 4 + 200_000 * 16);
  });
});
