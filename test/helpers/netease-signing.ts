import { createHash } from 'node:crypto';

/**
 * NetEase's signatures as its stand-ins make and check them, written from the documentation apart from
 * the gateway's own code: a callback (抄送) carries MD5 = md5(body) and CheckSum =
 * sha1(AppSecret + MD5 + CurTime); a server API call carries CheckSum = sha1(AppSecret + Nonce + CurTime).
 */
export function callbackHeaders(appKey: string, appSecret: string, body: string, curTime = String(Date.now())): Record<string, string> {
  const md5 = createHash('md5').update(body).digest('hex');
  return { 'content-type': 'application/json;charset=utf-8', AppKey: appKey, CurTime: curTime, MD5: md5, CheckSum: createHash('sha1').update(appSecret + md5 + curTime).digest('hex') };
}

/** The CheckSum a server API call must carry. */
export function apiCheckSum(appSecret: string, nonce: string, curTime: string): string {
  return createHash('sha1').update(appSecret + nonce + curTime).digest('hex');
}
