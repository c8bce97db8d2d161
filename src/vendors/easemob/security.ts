import { createHash, timingSafeEqual } from 'node:crypto';
import { CallbackError } from '../../errors';
import type { EasemobCallbackSettings } from './settings';

/**
 * Easemob post-send callback signature: `security = md5(callId + secret + timestamp)`, lower-case hex,
 * with `timestamp` as its decimal string. It covers neither the body nor the App Key, so the App Key
 * is checked separately and body tampering is not detectable (use HTTPS).
 * https://doc.easemob.com/document/server-side/callback.html (签名), commons-codec `DigestUtils.md5Hex`
 */
export function easemobSecurity(callId: string, secret: string, timestamp: string): string {
  return createHash('md5').update(callId + secret + timestamp, 'utf8').digest('hex');
}

/** The signed fields of a callback, as found in its JSON body. */
export interface SignedFields {
  readonly callId: unknown;
  readonly timestamp: unknown;
  readonly security: unknown;
  readonly appkey: unknown;
}

/**
 * Throws `auth_failed` unless `security` matches one of the secrets (constant-time compare, every secret
 * tried) and the timestamp is inside the optional window; then `app_not_allowed` unless `appkey` is the
 * configured one.
 */
export function verifyEasemobSecurity(fields: SignedFields, settings: EasemobCallbackSettings, nowMs: number): void {
  const { callId, security, appkey } = fields;
  if (typeof callId !== 'string' || callId === '' || callId.length > 512) throw new CallbackError('auth_failed', 'callId must be a string of 1 to 512 characters');
  if (typeof security !== 'string' || !/^[0-9a-fA-F]{32}$/.test(security)) throw new CallbackError('auth_failed', 'security must be 32 hex characters');
  const timestamp = timestampText(fields.timestamp);
  if (timestamp === undefined) throw new CallbackError('auth_failed', 'timestamp must be whole milliseconds');
  if (settings.timestampWindowMs > 0) {
    const skew = Math.abs(nowMs - Number(timestamp));
    if (skew > settings.timestampWindowMs) {
      throw new CallbackError('auth_failed', `timestamp is ${Math.round(skew / 1000)} s away from the server clock (limit ${settings.timestampWindowMs / 1000} s)`);
    }
  }
  const received = Buffer.from(security.toLowerCase(), 'hex');
  let matched = false;
  for (const secret of settings.secrets) {
    const expected = Buffer.from(easemobSecurity(callId, secret, timestamp), 'hex');
    matched = timingSafeEqual(received, expected) || matched;
  }
  if (!matched) throw new CallbackError('auth_failed', 'security does not match');
  if (settings.appKey !== undefined && appkey !== settings.appKey) {
    throw new CallbackError('app_not_allowed', `appkey ${typeof appkey === 'string' ? appkey.slice(0, 130) : String(appkey)} is not allowed`);
  }
}

/** The decimal text Easemob signs: a JSON number that is a safe whole number, or a string of digits. */
export function timestampText(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value === 'string' && /^\d{1,16}$/.test(value)) return value;
  return undefined;
}
