import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadFixture } from './fixtures';
import { postJson } from './process';
import { callbackPath, TEST_TOKEN } from './tencent';

/** The secrets and app keys the three vendors sign with in a mixed load (the fixtures' own). */
export const mixedVendorEnv: Record<string, string> = {
  TENCENT_SDKAPPIDS: '1400000001',
  TENCENT_CALLBACK_TOKENS: TEST_TOKEN,
  NETEASE_APP_SECRETS: 'c0ffee5ecret42',
  NETEASE_APP_KEY: '3f1e0c9a7b5d4e2f8a6c1b0d9e8f7a6b',
  EASEMOB_CALLBACK_SECRETS: 'em-cb-secret-7788',
  EASEMOB_APPKEY: 'acme#chatapp',
};

export type MixedVendor = 'tencent' | 'netease' | 'easemob';

/** One signed callback, ready to post; `messageId` is what its CloudEvent carries as `messageid`. */
export interface MixedCallback {
  readonly vendor: MixedVendor;
  readonly messageId: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

const fixtures = join(__dirname, '..', 'fixtures');
const tencent = loadFixture('c2c-after-send-official');
const netease = JSON.parse(readFileSync(join(fixtures, 'netease', 'n1-p2p-text.body'), 'utf8')) as Record<string, unknown>;
const easemob = JSON.parse(readFileSync(join(fixtures, 'easemob', 'chat-txt.json'), 'utf8')) as Record<string, unknown>;
const json = { 'content-type': 'application/json' };

/**
 * The `n`th callback of a mixed load: Tencent, NetEase and Easemob in turn, each a new message signed
 * the way its vendor signs (Tencent's Sign in the URL, NetEase's CheckSum header, Easemob's `security`
 * field), computed here from the published formulas, not by the gateway's code.
 */
export function mixedCallback(n: number, nowMs = Date.now()): MixedCallback {
  const vendor = (['tencent', 'netease', 'easemob'] as const)[n % 3]!;
  if (vendor === 'tencent') {
    const messageId = `mix_t_${n}`;
    const body = Buffer.from(JSON.stringify({ ...tencent.body, MsgKey: messageId }));
    return { vendor, messageId, path: callbackPath(tencent.query, { requestTime: Math.floor(nowMs / 1000) }), headers: json, body };
  }
  if (vendor === 'netease') {
    const messageId = String(7_000_000_000_000 + n);
    const body = Buffer.from(JSON.stringify({ ...netease, msgidServer: messageId, msgidClient: `mix-n-${n}`, msgTimestamp: String(nowMs) }));
    // MD5 = md5(body), CheckSum = sha1(AppSecret + MD5 + CurTime), both lower-case hex.
    const md5 = createHash('md5').update(body).digest('hex');
    const curTime = String(nowMs);
    const checksum = createHash('sha1').update(`${mixedVendorEnv.NETEASE_APP_SECRETS!}${md5}${curTime}`).digest('hex');
    const headers = { ...json, appkey: mixedVendorEnv.NETEASE_APP_KEY!, curtime: curTime, md5, checksum };
    return { vendor, messageId, path: '/netease/callback', headers, body };
  }
  const messageId = String(8_000_000_000_000 + n);
  const callId = `acme#chatapp_mix-${n}`;
  const security = createHash('md5').update(`${callId}${mixedVendorEnv.EASEMOB_CALLBACK_SECRETS!}${nowMs}`).digest('hex');
  const body = Buffer.from(JSON.stringify({ ...easemob, callId, msg_id: messageId, timestamp: nowMs, security }));
  return { vendor, messageId, path: '/easemob/callback', headers: json, body };
}

/** Whether a 200 reply says the gateway took the callback (stored or already held), in each vendor's format. */
export function answeredOk(vendor: MixedVendor, status: number, reply: Record<string, unknown>): boolean {
  if (status !== 200) return false;
  if (vendor === 'tencent') return reply.ActionStatus === 'OK';
  if (vendor === 'netease') return reply.code === 200 && (reply.outcome === 'accepted' || reply.outcome === 'duplicate');
  return reply.result === 'accepted' || reply.result === 'duplicate';
}

/** Posts one callback over a fresh connection; resolves with the status and parsed reply, rejects on a network error. */
export function postMixed(port: number, callback: MixedCallback): Promise<{ status: number; reply: Record<string, unknown> }> {
  return postJson(port, { path: callback.path, headers: callback.headers, body: callback.body });
}
