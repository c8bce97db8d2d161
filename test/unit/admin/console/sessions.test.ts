import { createSessionStore } from '../../../../src/admin/console/sessions';

const alice = { name: 'alice', role: 'operator' as const };

describe('createSessionStore', () => {
  test('When a session is created, then it is found by its id with a CSRF token of its own, and never by another id', () => {
    const store = createSessionStore(() => 0);

    const one = store.create(alice, 'token-a');
    const two = store.create(alice, 'token-a');

    expect(store.get(one.id)?.principal).toEqual(alice);
    expect(one.csrf).not.toBe(two.csrf);
    expect(one.id).toHaveLength(43);
    expect(store.get('nope')).toBeUndefined();
    expect(store.get(undefined)).toBeUndefined();
  });

  test('When a session is idle too long, or older than its lifetime despite use, then it has ended', () => {
    const clock = { now: 0 };
    const store = createSessionStore(() => clock.now, { maxAgeMs: 10_000, idleMs: 3_000, max: 10 });
    const idle = store.create(alice, 't');
    const busy = store.create(alice, 't');

    for (clock.now = 2_000; clock.now < 10_000; clock.now += 2_000) expect(store.get(busy.id)).toBeDefined();
    clock.now = 10_000;

    expect(store.get(idle.id)).toBeUndefined();
    expect(store.get(busy.id)).toBeUndefined();
  });

  test('When the cap is reached, then the least recently used session makes room', () => {
    const store = createSessionStore(() => 0, { maxAgeMs: 1e9, idleMs: 1e9, max: 2 });
    const a = store.create(alice, 't');
    const b = store.create(alice, 't');
    store.get(a.id);

    const c = store.create(alice, 't');

    expect(store.size).toBe(2);
    expect(store.get(b.id)).toBeUndefined();
    expect(store.get(a.id)).toBeDefined();
    expect(store.get(c.id)).toBeDefined();
  });

  test('When one token signs in again and again, then it evicts only its own oldest sessions, never another operator\'s', () => {
    const bob = { name: 'bob', role: 'operator' as const };
    const store = createSessionStore(() => 0, { maxAgeMs: 1e9, idleMs: 1e9, max: 50, perPrincipal: 3 });
    const operator = store.create(bob, 'b');

    const viewer = Array.from({ length: 1000 }, () => store.create(alice, 'a'));

    expect(store.size).toBe(4);
    expect(store.get(operator.id)?.principal).toEqual(bob);
    expect(viewer.slice(-3).every((s) => store.get(s.id) !== undefined)).toBe(true);
    expect(store.get(viewer[0]!.id)).toBeUndefined();
  });

  test('When a session ends, then its id no longer works', () => {
    const store = createSessionStore(() => 0);
    const s = store.create(alice, 't');

    store.end(s.id);

    expect(store.get(s.id)).toBeUndefined();
  });
});
