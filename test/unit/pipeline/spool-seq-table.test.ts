import { SeqTable } from '../../../src/pipeline/spool/seq-table';

/** A deterministic PRNG (mulberry32), so a failing sequence of operations can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every entry of the oracle looked up in the table, and a few seqs it lacks: the differences. */
function differences(table: SeqTable, oracle: Map<number, number>, absent: readonly number[]): string[] {
  const found = [...oracle].filter(([seq, slot]) => table.get(seq) !== slot || !table.has(seq)).map(([seq, slot]) => `${seq}: ${table.get(seq)} for ${slot}`);
  const extra = absent.filter((seq) => !oracle.has(seq) && (table.get(seq) !== -1 || table.has(seq))).map((seq) => `${seq} present`);
  return table.size === oracle.size ? [...found, ...extra] : [`size ${table.size} for ${oracle.size}`, ...found, ...extra];
}

describe('spool seq table', () => {
  test('When a random sequence of sets, replacements and deletes runs (seeded), then every lookup, delete and the size match a Map', () => {
    const next = prng(0x7ab1e);
    const table = new SeqTable();
    const oracle = new Map<number, number>();
    const seqOf = (): number => (next() < 0.5 ? Math.floor(next() * 3000) : 2 ** 32 - 1500 + Math.floor(next() * 3000));
    const mismatches: string[] = [];
    let largest = 0;

    for (let step = 0; step < 40_000 && mismatches.length === 0; step += 1) {
      const seq = seqOf();
      // Phases that mostly add, then mostly remove: the table grows, fills with tombstones and shrinks.
      const adding = Math.floor(step / 5000) % 2 === 0 ? 0.7 : 0.3;
      if (next() < adding) {
        const slot = Math.floor(next() * (2 ** 31 - 1));
        table.set(seq, slot);
        oracle.set(seq, slot);
      } else {
        const want = oracle.get(seq) ?? -1;
        oracle.delete(seq);
        if (table.delete(seq) !== want) mismatches.push(`step ${step}: delete(${seq}) for ${want}`);
      }
      largest = Math.max(largest, table.size);
      if (step % 97 === 0) mismatches.push(...differences(table, oracle, [seqOf(), seqOf(), seqOf()]).map((d) => `step ${step}: ${d}`));
    }

    expect(mismatches).toEqual([]);
    expect(differences(table, oracle, [])).toEqual([]);
    expect(largest).toBeGreaterThan(1000);
  });

  test('When 200,000 consecutive seqs are set, then each has its slot, the table is at most half full, and deleting them all gives the memory back', () => {
    const table = new SeqTable();
    const count = 200_000;
    const first = 2 ** 31 - 10;

    for (let i = 0; i < count; i += 1) table.set(first + i, i);
    let wrong = 0;
    for (let i = 0; i < count; i += 1) if (table.get(first + i) !== i) wrong += 1;
    const full = table.capacity;
    for (let i = 0; i < count; i += 2) table.delete(first + i);
    const halved = [table.size, table.get(first), table.get(first + 1), table.has(first + count)];
    for (let i = 1; i < count; i += 2) table.delete(first + i);

    expect(wrong).toBe(0);
    expect(full).toBeGreaterThanOrEqual(2 * count);
    expect(full).toBeLessThanOrEqual(4 * count);
    expect(halved).toEqual([count / 2, -1, 1, false]);
    expect([table.size, table.capacity, table.get(first + 1)]).toEqual([0, 0, -1]);
  });

  test('When the table grows, then the insert that fills it half moves a few cells, the rest follow with later inserts, and lookups answer meanwhile', () => {
    const table = new SeqTable();
    const moving: number[] = [];
    let wrongMidway = -1;

    for (let seq = 0; seq < 100_000; seq += 1) {
      table.set(seq, seq + 7);
      moving.push(table.moving);
      if (seq === 65_536 + 16_000) wrongMidway = Array.from({ length: seq + 1 }, (_, i) => i).filter((i) => table.get(i) !== i + 7).length;
    }

    // The 65,537th entry fills half of 131,072 cells: the next table has 262,144, and 4 cells move per insert.
    expect(moving[65_535]).toBe(0);
    expect(moving[65_536]).toBeGreaterThan(65_536 - 10);
    expect(moving[65_536 + 16_000]).toBeGreaterThan(0);
    expect(moving[65_536 + 32_768]).toBe(0);
    expect(wrongMidway).toBe(0);
    expect([table.size, table.capacity, table.get(99_999), table.get(100_000)]).toEqual([100_000, 262_144, 100_006, -1]);
  });

  test('When entries come and go around a steady few, then tombstones are cleared and the table stays small', () => {
    const table = new SeqTable();
    const capacities = new Set<number>();

    for (let seq = 0; seq < 100_000; seq += 1) {
      table.set(seq, seq % 1000);
      if (seq >= 10) table.delete(seq - 10);
      capacities.add(table.capacity);
    }

    expect(table.size).toBe(10);
    expect(Math.max(...capacities)).toBeLessThanOrEqual(128);
    expect(Array.from({ length: 10 }, (_, i) => table.get(99_990 + i))).toEqual(Array.from({ length: 10 }, (_, i) => (99_990 + i) % 1000));
    expect(table.get(99_989)).toBe(-1);
  });

  test('When a small table empties, then it keeps its cells for the next entries and knows none of the old ones', () => {
    const table = new SeqTable();
    for (let seq = 1; seq <= 100; seq += 1) table.set(seq, seq);
    const full = table.capacity;

    for (let seq = 1; seq <= 100; seq += 1) table.delete(seq);
    const emptied = [table.size, table.capacity, table.get(50)];
    table.set(50, 5);

    expect(full).toBeGreaterThan(0);
    expect(emptied).toEqual([0, full, -1]);
    expect([table.size, table.get(50), table.get(51), table.capacity]).toEqual([1, 5, -1, full]);
  });

  test('When seqs reach the largest safe integer or differ only above 2^32, then each keeps its own slot', () => {
    const seqs = [0, 1, 2 ** 32, 2 ** 32 + 1, 2 ** 33 + 1, 2 ** 52, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER - 1];
    const table = new SeqTable();

    seqs.forEach((seq, i) => table.set(seq, i));
    table.set(2 ** 32, 70);
    table.clear();
    seqs.forEach((seq, i) => table.set(seq, i + 100));

    expect(seqs.map((seq) => table.get(seq))).toEqual(seqs.map((_, i) => i + 100));
    expect([table.get(2), table.get(2 ** 33), table.size]).toEqual([-1, -1, seqs.length]);
  });
});
