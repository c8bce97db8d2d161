import { createHash } from 'node:crypto';

/**
 * The headers every NetEase Yunxin server API call carries (API调用方式): `AppKey`, `Nonce` (random, at
 * most 128 characters, never repeated within 5 minutes), `CurTime` (seconds since the epoch, as text)
 * and `CheckSum = sha1(AppSecret + Nonce + CurTime)` in lower-case hex. Used by the relay's sends and
 * backfill's history reads (the official server SDKs' CheckSumBuilder makes it the same way).
 */
export function neteaseApiHeaders(appKey: string, appSecret: string, nonce: string, curTime: string): Record<string, string> {
  const checkSum = createHash('sha1').update(appSecret + nonce + curTime).digest('hex');
  return { AppKey: appKey, Nonce: nonce, CurTime: curTime, CheckSum: checkSum };
}
