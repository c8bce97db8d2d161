import { CallbackError } from '../../../../src/errors';
import { tencentSign, verifyTencentSign } from '../../../../src/vendors/tencent/sign';

const settings = { tokens: ['s3cr3t-Token_ABC'], windowSeconds: 60 };
const now = 1_767_225_600;
const goodSign = '962ff888ebfa86d63a5f9f1eb4d1fc76e6402a092ad7bbf2f22a553d41af5ff7';

function failure(run: () => void): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CallbackError);
    expect((error as CallbackError).reason).toBe('auth_failed');
    return (error as CallbackError).message;
  }
  throw new Error('expected the check to fail');
}

describe('tencentSign', () => {
  test.each([
    ['xxxxyyyy', '1669872112', '17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061'],
    ['test-callback-token', '1700000000', 'd4049d1bed1127843359efac99cf10a948f189cb647d9295e20194777f3470da'],
    ['s3cr3t-Token_ABC', '1767225600', goodSign],
  ])('When the token is %s and RequestTime %s, then the Sign is the documented vector', (token, time, sign) => {
    expect(tencentSign(token, time)).toBe(sign);
  });

  test('When the token is the doc typo xxxyyy, then the Sign differs from the official one', () => {
    expect(tencentSign('xxxyyy', '1669872112')).toBe('e78a85473bed2cdc8d6fa8c4d5a4ba4735fd64156e15a99516b9890293e135de');
    expect(tencentSign('xxxyyy', '1669872112')).not.toBe(tencentSign('xxxxyyyy', '1669872112'));
  });
});

describe('verifyTencentSign', () => {
  test('When the official example is checked at its own time, then it passes', () => {
    expect(() =>
      verifyTencentSign('17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061', '1669872112', { tokens: ['xxxxyyyy'], windowSeconds: 60 }, 1669872112),
    ).not.toThrow();
  });

  test('When the Sign is upper-case hex, then it passes (compared lower-cased)', () => {
    expect(() => verifyTencentSign(goodSign.toUpperCase(), '1767225600', settings, now)).not.toThrow();
  });

  test('When the second of two tokens signed the request, then it passes (rotation)', () => {
    expect(() => verifyTencentSign(goodSign, '1767225600', { tokens: ['old-token', 's3cr3t-Token_ABC'], windowSeconds: 60 }, now)).not.toThrow();
  });

  test('When RequestTime is 59 s old, then it passes; at 61 s it is stale', () => {
    expect(() => verifyTencentSign(goodSign, '1767225600', settings, now + 59)).not.toThrow();
    expect(failure(() => verifyTencentSign(goodSign, '1767225600', settings, now + 61))).toBe(
      'RequestTime is 61 s away from the server clock (limit 60 s)',
    );
  });

  test('When RequestTime is in the future beyond the window, then it is refused', () => {
    expect(failure(() => verifyTencentSign(goodSign, '1767225600', settings, now - 120))).toMatch(/120 s away/);
  });

  test.each([
    ['Sign is missing', undefined, '1767225600', 'Sign is missing'],
    ['RequestTime is missing', goodSign, undefined, 'RequestTime is missing'],
    ['RequestTime has a fraction', goodSign, '1767225600.0', 'RequestTime must be whole seconds'],
    ['RequestTime is not a number', goodSign, 'abc', 'RequestTime must be whole seconds'],
    ['Sign is not hex', 'z'.repeat(64), '1767225600', 'Sign must be 64 hex characters'],
    ['Sign is too short', goodSign.slice(0, 63), '1767225600', 'Sign must be 64 hex characters'],
    ['one hex digit of the Sign changed', `${goodSign.slice(0, 63)}8`, '1767225600', 'Sign does not match'],
  ])('When %s, then it is refused with a precise reason', (_case, sign, time, message) => {
    expect(failure(() => verifyTencentSign(sign, time, settings, now))).toBe(message);
  });

  test('When the Sign was made with another token, then it does not match', () => {
    expect(failure(() => verifyTencentSign(tencentSign('other', '1767225600'), '1767225600', settings, now))).toBe('Sign does not match');
  });
});
