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
});
