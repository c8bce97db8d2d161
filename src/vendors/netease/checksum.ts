import { createHash, timingSafeEqual } from 'node:crypto';
import { CallbackError } from '../../errors';
import type { CallbackHead } from '../vendor';
import { appKeyPattern, type NeteaseSettings } from './settings';

/** Lower-case hex MD5 of the raw body bytes: the `MD5` header NetEase sends. */
export function neteaseBodyMd5(body: Buffer): string {
  return createHash('md5').update(body).digest('hex');
}

/**
 * `CheckSum = sha1(AppSecret + MD5 + CurTime)`, lower-case hex, where MD5 is the body's MD5 and CurTime
 * the header as sent (milliseconds). Unlike Tencent's Sign it covers the body, through the MD5.
 * https://doc.yunxin.163.com/messaging2/server-apis/jY5MDk1NTQ?platform=server (protocols/netease.md §2)
 */
export function neteaseChecksum(appSecret: string, md5: string, curTime: string): string {
  return createHash('sha1').update(appSecret + md5 + curTime, 'utf8').digest('hex');
}

/**
 * Throws `app_not_allowed` for a foreign AppKey and `auth_failed` (with the precise reason) unless the
 * MD5 header is the MD5 of the raw bytes as received and the CheckSum matches one of the secrets.
 * Hex is compared lower-cased and in constant time; every secret is tried, so timing shows no match.
 */
export function verifyNeteaseRequest(head: CallbackHead, body: Buffer | undefined, settings: NeteaseSettings, nowMs: number): void {
  const { appkey: appKey, md5, curtime: curTime, checksum } = head.headers;
  if (appKey !== undefined && !appKeyPattern.test(appKey)) throw new CallbackError('app_not_allowed', 'AppKey header must be 1-64 letters or digits');
  if (appKey !== undefined && settings.appKey !== undefined && appKey !== settings.appKey) {
    throw new CallbackError('app_not_allowed', `AppKey ${appKey} is not allowed`);
  }
  if (md5 === undefined || md5 === '') throw new CallbackError('auth_failed', 'MD5 header is missing');
  if (curTime === undefined || curTime === '') throw new CallbackError('auth_failed', 'CurTime header is missing');
  if (checksum === undefined || checksum === '') throw new CallbackError('auth_failed', 'CheckSum header is missing');
  if (!/^[0-9a-fA-F]{32}$/.test(md5)) throw new CallbackError('auth_failed', 'MD5 header must be 32 hex characters');
  if (!/^[0-9a-fA-F]{40}$/.test(checksum)) throw new CallbackError('auth_failed', 'CheckSum header must be 40 hex characters');
  if (!/^\d{1,16}$/.test(curTime)) throw new CallbackError('auth_failed', 'CurTime header must be a timestamp in milliseconds');
  if (settings.curTimeWindowSeconds !== undefined) {
    const skewSeconds = Math.round(Math.abs(nowMs - Number(curTime)) / 1000);
    if (skewSeconds > settings.curTimeWindowSeconds) {
      throw new CallbackError('auth_failed', `CurTime is ${skewSeconds} s away from the server clock (limit ${settings.curTimeWindowSeconds} s)`);
    }
  }
  if (body === undefined) throw new CallbackError('auth_failed', 'the body is needed for the MD5 check');
  const actualMd5 = neteaseBodyMd5(body);
  if (!timingSafeEqual(Buffer.from(md5.toLowerCase(), 'hex'), Buffer.from(actualMd5, 'hex'))) {
    throw new CallbackError('auth_failed', 'MD5 header does not match the body as received');
  }
  const received = Buffer.from(checksum.toLowerCase(), 'hex');
  let matched = false;
  for (const secret of settings.appSecrets) {
    matched = timingSafeEqual(received, Buffer.from(neteaseChecksum(secret, actualMd5, curTime), 'hex')) || matched;
  }
  if (!matched) throw new CallbackError('auth_failed', 'CheckSum does not match any configured AppSecret');
}
