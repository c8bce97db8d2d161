// Signed Tencent callbacks for autocannon: every request is the documented C2C sample (or a given body)
// with a fresh MsgKey, signed with Sign = sha256(token + RequestTime) at the moment it is sent.
// The MsgKeys answered OK are collected, so a run can check that each of them reached the sink.
import autocannon from 'autocannon';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import launchModule from './launch.js';

export const { root } = launchModule;
export const token = 'bench-token';
export const sdkAppId = '1400000001';
export const sample = JSON.parse(readFileSync(join(root, 'test/fixtures/tencent/c2c-after-send-official.json'), 'utf8'));
const okReply = '"ActionStatus":"OK"';

let signedAt = '';
let sign = '';
function signNow() {
  const time = String(Math.floor(Date.now() / 1000));
  if (time !== signedAt) {
    signedAt = time;
    sign = createHash('sha256').update(token + time).digest('hex');
  }
  return `/tencent/callback?${new URLSearchParams({ ...sample.query, Sign: sign, RequestTime: time })}`;
}

let counter = 0;
const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;

/**
 * One autocannon run against `port`. `body` (an object without MsgKey's uniqueness) is the template;
 * `acked` (a Set) receives every MsgKey answered 200 OK. `rate` makes it open at that many requests/s
 * overall instead of saturating. Returns autocannon's result plus the requests answered OK.
 */
export function signedLoad({ port, connections, duration, rate, body = sample.body, acked }) {
  const head = JSON.stringify({ ...body, MsgKey: undefined }).slice(0, -1);
  let ok = 0;
  const instance = autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration,
    overallRate: rate,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest(req, context) {
          counter += 1;
          const key = `b${run}_${counter}`;
          context.key = key;
          return { ...req, path: signNow(), body: `${head},"MsgKey":"${key}"}` };
        },
        onResponse(status, replyBody, context) {
          if (status === 200 && replyBody.includes(okReply)) {
            ok += 1;
            acked?.add(context.key);
          }
        },
      },
    ],
  });
  return instance.then((result) => ({ ...result, okReplies: ok }));
}

/** A C2C body of about `bytes` bytes: the sample with a longer text, or a TIMRelayElem of many messages. */
export function bodyOfSize(bytes, kind = 'text') {
  if (kind === 'text') {
    const base = JSON.stringify(sample.body).length;
    const text = 'x'.repeat(Math.max(0, bytes - base));
    return { ...sample.body, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: `red packet ${text}` } }] };
  }
  const relay = JSON.parse(readFileSync(join(root, 'test/fixtures/tencent/c2c-after-send-relay.json'), 'utf8')).body;
  const inner = relay.MsgBody[0].MsgContent.MsgList;
  const list = [];
  while (JSON.stringify({ ...relay, MsgBody: [{ MsgType: 'TIMRelayElem', MsgContent: { ...relay.MsgBody[0].MsgContent, MsgList: list } }] }).length < bytes) {
    list.push({ ...inner[list.length % inner.length], MsgSeq: 90000 + list.length });
  }
  return { ...relay, MsgBody: [{ MsgType: 'TIMRelayElem', MsgContent: { ...relay.MsgBody[0].MsgContent, MsgNum: list.length, MsgList: list } }] };
}
