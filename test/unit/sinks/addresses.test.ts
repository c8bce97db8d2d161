import { causeText, safeAddress } from '../../../src/sinks/addresses';

describe('sink addresses and causes', () => {
  test.each([
    ['https://user:pw@receiver.example:8443/hook?token=abc#x', 'https://receiver.example:8443/hook'],
    ['redis://:hunter2@10.0.0.7:6379/2', 'redis://10.0.0.7:6379/2'],
    ['nats://alice:secret@nats:4222', 'nats://nats:4222'],
    ['not a url', '(invalid address)'],
  ])('When %s is named in an error, then it reads %s (no credentials, no query)', (url, shown) => {
    expect(safeAddress(url)).toBe(shown);
  });

  test('When fetch fails, then the cause replaces the vague outer message', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    expect(causeText(new TypeError('fetch failed', { cause: refused }))).toBe('connect ECONNREFUSED 127.0.0.1:9');
  });

  test('When every address of a host is refused, then each cause is listed once', () => {
    const v4 = new Error('connect ECONNREFUSED 127.0.0.1:9');
    const v6 = new Error('connect ECONNREFUSED ::1:9');
    expect(causeText(new TypeError('fetch failed', { cause: new AggregateError([v4, v6, v4]) }))).toBe('connect ECONNREFUSED 127.0.0.1:9 / connect ECONNREFUSED ::1:9');
  });

  test('When the error has a code its message lacks, then the code is added', () => {
    expect(causeText(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe('socket hang up (ECONNRESET)');
    expect(causeText('plain')).toBe('plain');
  });
});
