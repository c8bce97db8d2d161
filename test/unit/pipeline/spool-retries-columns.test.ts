import { Retries, type Retry } from '../../../src/pipeline/spool/retries';

const retry = (seq: number, receivedAt = seq, attempts = 0, nextAt = 0): Retry => ({ seq, receivedAt, attempts, nextAt });
const seqsOf = (retries: readonly Retry[]): number[] => retries.map((r) => r.seq);

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

/** What `Retries` must answer, computed the plain way: a Map, a sort, a minimum. */
function oracleAnswers(oracle: Map<number, Retry>, limit: number) {
  const sorted = [...oracle.values()].sort((a, b) => a.seq - b.seq);
  const received = sorted.map((r) => r.receivedAt);
  return { size: oracle.size, lowest: sorted.slice(0, limit), first: sorted[0], oldest: received.length ? Math.min(...received) : undefined, keys: [...oracle.keys()] };
}

describe('spool retries kept as columns', () => {
  test('When retries are delivered and new ones come, then their slots are reused and the columns do not grow', () => {
    const retries = new Retries();
    for (let seq = 1; seq <= 64; seq += 1) retries.set(seq, retry(seq));
    const full = retries.capacity;

    for (let seq = 1; seq <= 40; seq += 1) retries.delete(seq);
    for (let seq = 100; seq < 140; seq += 1) retries.set(seq, retry(seq));

    expect(full).toBe(64);
    expect(retries.capacity).toBe(64);
    expect(retries.size).toBe(64);
    expect(seqsOf(retries.lowest(30))).toEqual([...Array.from({ length: 24 }, (_, i) => 41 + i), 100, 101, 102, 103, 104, 105]);
  });

  test('When a redrive queues many more retries than the first columns hold, then they grow and every answer holds; once all are delivered the memory is given back', () => {
    const retries = new Retries();
    const count = 100_000;
    for (let i = 0; i < count; i += 1) {
      const seq = ((i * 7919) % count) + 1;
      retries.set(seq, retry(seq, 1_000_000 - seq, 3, seq));
    }

    expect(retries.capacity).toBeGreaterThanOrEqual(count);
    expect(retries.capacity).toBeLessThan(2 * count);
    expect(seqsOf(retries.lowest(5))).toEqual([1, 2, 3, 4, 5]);
    expect(retries.get(77_777)).toEqual({ seq: 77_777, receivedAt: 1_000_000 - 77_777, attempts: 3, nextAt: 77_777 });
    expect(retries.oldestReceivedAt()).toBe(1_000_000 - count);
    for (let seq = 1; seq <= count; seq += 1) retries.delete(seq);
    expect([retries.size, retries.capacity, retries.first(), retries.oldestReceivedAt()]).toEqual([0, 0, undefined, undefined]);
    retries.set(5, retry(5));
    expect(retries.lowest(2)).toEqual([retry(5)]);
  });

  test('When a sink delivers each small slice as it is queued, then emptying keeps the columns for the next slice', () => {
    const retries = new Retries();
    const capacities: number[] = [];

    for (let wave = 0; wave < 5; wave += 1) {
      for (let seq = wave * 100 + 1; seq <= wave * 100 + 100; seq += 1) retries.set(seq, retry(seq));
      for (const taken of retries.lowest(100)) retries.delete(taken.seq);
      capacities.push(retries.capacity);
    }
    retries.set(7, retry(7, 70));

    expect(capacities).toEqual([128, 128, 128, 128, 128]);
    expect([retries.size, retries.first(), retries.oldestReceivedAt(), [...retries.keys()]]).toEqual([1, retry(7, 70), 70, [7]]);
  });

  test('When seqs and times are above 2^31 (up to the largest safe integer), then they are kept exactly and in order', () => {
    const big = [2 ** 31 + 1, 2 ** 31 - 1, 2 ** 32 + 5, 2 ** 40, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER - 1];
    const retries = new Retries();
    for (const seq of big) retries.set(seq, retry(seq, seq + 1, 2 ** 33, 1_767_225_600_000));

    expect(seqsOf(retries.lowest(10))).toEqual([...big].sort((a, b) => a - b));
    expect(retries.get(Number.MAX_SAFE_INTEGER - 1)).toEqual(retry(Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER, 2 ** 33, 1_767_225_600_000));
    expect(retries.has(2 ** 32 + 5)).toBe(true);
    expect(retries.has(2 ** 32 + 6)).toBe(false);
    expect(retries.oldestReceivedAt()).toBe(2 ** 31);
  });

  test('When a retry is replaced, rescheduled, deleted and added again, then it is there once with its latest values', () => {
    const retries = new Retries();
    for (const seq of [3, 1, 2]) retries.set(seq, retry(seq, 10 * seq));

    retries.set(1, { seq: 1, receivedAt: 99, attempts: 4, nextAt: 7, replayed: true });
    expect(retries.reschedule(2, 1, 50)).toBe(true);
    expect(retries.reschedule(9, 1, 50)).toBe(false);
    retries.delete(3);
    retries.set(3, retry(3, 5));
    retries.delete(2);
    retries.set(2, retry(2, 40));

    expect(retries.lowest(10)).toEqual([{ seq: 1, receivedAt: 99, attempts: 4, nextAt: 7, replayed: true }, retry(2, 40), retry(3, 5)]);
    expect(retries.oldestReceivedAt()).toBe(5);
    expect([...retries.keys()]).toEqual([1, 3, 2]);
    retries.set(1, retry(1, 1));
    expect(retries.get(1)).toEqual(retry(1, 1));
    expect(retries.oldestReceivedAt()).toBe(1);
  });

  test('When a retry is rescheduled, then its attempts add up and its next time changes, and only through the class', () => {
    const retries = new Retries();
    retries.set(8, retry(8, 80, 2, 100));

    retries.reschedule(8, 1, 200);
    retries.reschedule(8, 0, 300);
    const taken = retries.get(8) as { attempts: number };
    taken.attempts = 99;

    expect(retries.get(8)).toEqual(retry(8, 80, 3, 300));
    expect(retries.first()).toEqual(retry(8, 80, 3, 300));
  });

  test('When nine in ten retries are removed in random order and more come, then both heaps answer from the live ones only', () => {
    const next = prng(21);
    const retries = new Retries();
    const seqs = Array.from({ length: 20_000 }, (_, i) => i + 1);
    for (const seq of seqs) retries.set(seq, retry(seq, 50_000 - seq));
    const order = seqs.map((seq) => [next(), seq] as const).sort((a, b) => a[0] - b[0]).map(([, seq]) => seq);
    const removed = new Set(order.slice(0, 18_000));

    for (const seq of removed) retries.delete(seq);
    for (let seq = 30_000; seq < 30_500; seq += 1) retries.set(seq, retry(seq, 60_000));

    const live = [...seqs.filter((seq) => !removed.has(seq)), ...Array.from({ length: 500 }, (_, i) => 30_000 + i)];
    expect(retries.size).toBe(2500);
    expect(retries.capacity).toBe(32_768);
    expect(seqsOf(retries.lowest(2500))).toEqual(live);
    expect(retries.oldestReceivedAt()).toBe(50_000 - Math.max(...live.filter((seq) => seq <= 20_000)));
  });

  test('When a random sequence of operations runs (seeded), then after each one every answer matches a plain Map sorted by seq', () => {
    const next = prng(0x5eed);
    const pick = (n: number): number => Math.floor(next() * n);
    const retries = new Retries();
    const oracle = new Map<number, Retry>();
    const mismatches: string[] = [];
    let largest = 0;
    let clears = 0;

    for (let step = 0; step < 6000 && mismatches.length === 0; step += 1) {
      const op = next();
      const seq = next() < 0.5 ? pick(1000) + 1 : 2 ** 31 + pick(1000);
      if (op < 0.55) {
        const value: Retry = { seq, receivedAt: pick(1000), attempts: pick(5), nextAt: pick(10_000), ...(next() < 0.2 ? { replayed: true as const } : {}) };
        retries.set(seq, value);
        oracle.set(seq, value);
      } else if (op < 0.85) {
        if (retries.delete(seq) !== oracle.delete(seq)) mismatches.push(`step ${step}: delete(${seq})`);
      } else if (op < 0.999) {
        const had = oracle.get(seq);
        if (had) oracle.set(seq, { ...had, attempts: had.attempts + 1, nextAt: step });
        if (retries.reschedule(seq, 1, step) !== (had !== undefined)) mismatches.push(`step ${step}: reschedule(${seq})`);
      } else {
        retries.clear();
        oracle.clear();
        clears += 1;
      }
      largest = Math.max(largest, retries.size);
      const limit = pick(40);
      const want = { ...oracleAnswers(oracle, limit), one: oracle.get(seq) };
      const got = { size: retries.size, lowest: retries.lowest(limit), first: retries.first(), oldest: retries.oldestReceivedAt(), keys: [...retries.keys()], one: retries.get(seq) };
      if (JSON.stringify(got) !== JSON.stringify(want)) mismatches.push(`step ${step}: ${JSON.stringify({ got, want })}`);
    }

    expect(mismatches).toEqual([]);
    expect(largest).toBeGreaterThan(500);
    expect(clears).toBeGreaterThan(0);
  });
});
