import { clientKey, createAuthFailureLimit } from '../../../src/http/auth-failures';
import { createClientLimit } from '../../../src/http/client-limit';

describe('createAuthFailureLimit', () => {
  test('When one address fails 5 times at 5/s, then it is refused, another address is not, and 200 ms later it may try once more', () => {
    const clock = { now: 0 };
    const limit = createAuthFailureLimit(5, () => clock.now);

    const before = Array.from({ length: 5 }, () => {
      const admission = limit.admit('203.0.113.7');
      if (admission) limit.failed('203.0.113.7', admission);
      return admission;
    });
    const spent = limit.admit('203.0.113.7');
    const other = limit.admit('198.51.100.1');
    clock.now += 200;
    const refilled = limit.admit('203.0.113.7');
    if (refilled) limit.failed('203.0.113.7', refilled);

    expect(before).toEqual([{ reserved: false }, ...Array(4).fill({ reserved: true })]);
    expect([spent, other, refilled]).toEqual([undefined, { reserved: false }, { reserved: true }]);
    expect(limit.admit('203.0.113.7')).toBeUndefined();
  });

  test('When an address that failed sends concurrent requests, then only what is left of its budget gets in, and an authenticated one gives its share back', () => {
    const limit = createAuthFailureLimit(3, () => 0);
    limit.failed('203.0.113.7');
    limit.failed('203.0.113.7');

    const first = limit.admit('203.0.113.7');
    const second = limit.admit('203.0.113.7');
    limit.passed('203.0.113.7', first!);

    expect([first, second]).toEqual([{ reserved: true }, undefined]);
    expect(limit.admit('203.0.113.7')).toEqual({ reserved: true });
  });

  test('When an address without failures sends 1,000 concurrent requests, then every one gets in and nothing is tracked', () => {
    const limit = createAuthFailureLimit(10, () => 0);

    const admissions = Array.from({ length: 1000 }, () => limit.admit('198.51.100.1'));

    expect(admissions.every((a) => a?.reserved === false)).toBe(true);
    expect(limit.tracked).toBe(0);
  });

  test('When an address stops failing, then its budget is whole again after a second and it is no longer tracked', () => {
    const clock = { now: 0 };
    const limit = createAuthFailureLimit(3, () => clock.now);
    for (let i = 0; i < 10; i++) limit.failed('203.0.113.7');

    const spent = limit.admit('203.0.113.7');
    clock.now += 1000;

    expect(spent).toBeUndefined();
    expect(limit.admit('203.0.113.7')).toEqual({ reserved: false });
    expect(limit.tracked).toBe(0);
  });

  test('When two IPv6 addresses share a /64, then they share one budget, and another /64 has its own', () => {
    const limit = createAuthFailureLimit(2, () => 0);

    limit.failed('2001:db8:1:2::1');
    limit.failed('2001:db8:1:2:ffff:0:0:9');

    expect(limit.admit('2001:0db8:0001:0002::abcd')).toBeUndefined();
    expect(limit.admit('2001:db8:1:3::1')).toEqual({ reserved: false });
  });

  test('When 20,000 addresses fail, then at most 10,000 are tracked and the newest are still limited', () => {
    const limit = createAuthFailureLimit(1, () => 0);

    for (let i = 0; i < 20_000; i++) limit.failed(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);

    expect(limit.tracked).toBe(10_000);
    expect(limit.admit('10.0.78.31')).toBeUndefined();
    expect(limit.admit('10.0.0.0')).toEqual({ reserved: false });
  });

  test('When the rate is 0, then nothing is limited or tracked', () => {
    const limit = createAuthFailureLimit(0, () => 0);

    for (let i = 0; i < 100; i++) limit.failed('203.0.113.7');

    expect(limit.admit('203.0.113.7')).toEqual({ reserved: false });
    expect(limit.tracked).toBe(0);
  });
});

describe('clientKey', () => {
  test.each([
    ['203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:DB8:0001:0002:3:4:5:6', '2001:db8:1:2::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::', 'fe80:0:0:0::/64'],
    ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
  ])('When the address is %s, then its budget is %s', (address, key) => {
    expect(clientKey(address)).toBe(key);
  });
});

describe('clientOf', () => {
  const limit = createClientLimit({ max: 0, trustedProxies: ['10.0.0.0/8'] });

  test.each([
    ['a direct client', '203.0.113.7', undefined, '203.0.113.7'],
    ['a direct client on a dual-stack socket', '::ffff:203.0.113.7', undefined, '203.0.113.7'],
    ['a direct client that sends X-Forwarded-For', '203.0.113.7', '198.51.100.1', '203.0.113.7'],
    ['a client behind a trusted proxy', '10.0.0.5', '198.51.100.1, 10.0.0.9', '198.51.100.1'],
    ['a forged hop behind a trusted proxy', '10.0.0.5', '192.0.2.99, 198.51.100.1', '198.51.100.1'],
    ['a trusted proxy without a forwarded client', '10.0.0.5', 'garbage', '10.0.0.5'],
    ['a socket already gone', undefined, undefined, 'unknown'],
  ])('When the request is from %s, then the client is its address', (_case, remote, forwarded, client) => {
    expect(limit.clientOf(remote, forwarded)).toBe(client);
  });
});
