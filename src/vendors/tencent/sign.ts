import { createHash, timingSafeEqual } from 'node:crypto';
import { CallbackError } from '../../errors';

/**
 * Tencent callback authentication: `Sign = sha256(token + RequestTime)`, lower-case hex, where
 * RequestTime is the raw decimal string from the query, in seconds.
 * https://cloud.tencent.com/document/api/269/32431 (console guide, worked example)
 */
export function tencentSign(token: string, requestTime: string): string {
  return createHash('sha256').update(token + requestTime, 'utf8').digest('hex');
}

export interface SignSettings {
  readonly tokens: readonly string[];
  readonly windowSeconds: number;
}

/**
 * Throws `auth_failed` unless `sign` matches one of the tokens (constant-time compare) and
 * `requestTime` is within the window of `nowSeconds`. The Sign covers neither the body nor the other
 * parameters, so replay inside the window is stopped by de-duplication, not here.
 */
export function verifyTencentSign(
  sign: string | undefined,
  requestTime: string | undefined,
  settings: SignSettings,
  nowSeconds: number,
): void {
  if (sign === undefined || sign === '') throw new CallbackError('auth_failed', 'Sign is missing');
  if (requestTime === undefined || requestTime === '') throw new CallbackError('auth_failed', 'RequestTime is missing');
  if (!/^\d{1,12}$/.test(requestTime)) throw new CallbackError('auth_failed', 'RequestTime must be whole seconds');
  if (!/^[0-9a-fA-F]{64}$/.test(sign)) throw new CallbackError('auth_failed', 'Sign must be 64 hex characters');
  const skew = Math.abs(nowSeconds - Number(requestTime));
  if (skew > settings.windowSeconds) {
    throw new CallbackError('auth_failed', `RequestTime is ${skew} s away from the server clock (limit ${settings.windowSeconds} s)`);
  }
  const received = Buffer.from(sign, 'hex');
  let matched = false;
  for (const expected of expectedSigns(settings.tokens, requestTime)) matched = timingSafeEqual(received, expected) || matched;
  if (!matched) throw new CallbackError('auth_failed', 'Sign does not match');
}

/**
 * The expected Sign per token for one RequestTime. Every callback sent in the same second carries the
 * same RequestTime, so the digests of the last few seconds are kept (per token list) rather than
 * hashed again for each request; only times inside the window get here.
 */
const recentSigns = new WeakMap<readonly string[], Map<string, readonly Buffer[]>>();
function expectedSigns(tokens: readonly string[], requestTime: string): readonly Buffer[] {
  let byTime = recentSigns.get(tokens);
  if (!byTime) recentSigns.set(tokens, (byTime = new Map()));
  let expected = byTime.get(requestTime);
  if (!expected) {
    expected = tokens.map((token) => Buffer.from(tencentSign(token, requestTime), 'hex'));
    if (byTime.size >= 8) byTime.delete(byTime.keys().next().value as string);
    byTime.set(requestTime, expected);
  }
  return expected;
}
