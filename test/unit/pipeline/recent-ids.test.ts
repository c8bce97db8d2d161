import { createRecentIds } from '../../../src/pipeline/recent-ids';

describe('createRecentIds', () => {
  test('When an id comes again, then it is a repeat; after forget it is new again', () => {
    const ids = createRecentIds({ max: 10, ttlMs: 1000, clock: () => 0 });
    expect(ids.add('a')).toBe(true);
    expect(ids.add('a')).toBe(false);
    ids.forget('a');
    expect(ids.add('a')).toBe(true);
  });

  test('When more ids arrive than the bound, then the oldest are dropped first and the size stays at the bound', () => {
    const ids = createRecentIds({ max: 3, ttlMs: 1000, clock: () => 0 });
    for (const id of ['a', 'b', 'c', 'd']) ids.add(id);
    expect(ids.size).toBe(3);
    expect(ids.add('d')).toBe(false);
    expect(ids.add('a')).toBe(true);
  });

  test('When an id is older than the window on the injected clock, then it is forgotten', () => {
    let now = 0;
    const ids = createRecentIds({ max: 100, ttlMs: 600_000, clock: () => now });
    ids.add('old');
    now = 599_999;
    expect(ids.add('old')).toBe(false);
    now = 600_000;
    expect(ids.add('old')).toBe(true);
  });

  test('When ids come, repeat, are forgotten and age out in a long random run, then every answer is what a list of the newest ids gives', () => {
    let now = 0;
    let state = 7;
    const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
    const max = 50;
    const ttlMs = 1000;
    const ids = createRecentIds({ max, ttlMs, clock: () => now });
    // The window as a list: [id, time, forgotten], newest last.
    const kept: [string, number, boolean][] = [];
    for (let step = 0; step < 20_000; step++) {
      now += next() % 7;
      const id = `id-${next() % 120}`;
      if (next() % 5 === 0) {
        ids.forget(id);
        for (const entry of kept) if (entry[0] === id) entry[2] = true;
        continue;
      }
      while (kept.length > 0 && now - kept[0]![1] >= ttlMs) kept.shift();
      const repeat = kept.some(([k, , forgotten]) => k === id && !forgotten);
      if (!repeat) {
        if (kept.length === max) kept.shift();
        kept.push([id, now, false]);
      }

      expect({ step, added: ids.add(id) }).toEqual({ step, added: !repeat });
      expect(ids.size).toBe(kept.filter(([, , forgotten]) => !forgotten).length);
    }
  });

  test('When the bound is 0, then every id is new and nothing is kept', () => {
    const ids = createRecentIds({ max: 0, ttlMs: 1000, clock: () => 0 });
    expect([ids.add('a'), ids.add('a')]).toEqual([true, true]);
    expect(ids.size).toBe(0);
  });
});
