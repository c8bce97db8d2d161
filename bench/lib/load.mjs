// Signed Tencent callbacks for autocannon (lib/signed.js: the documented C2C sample or a given body with
// a fresh MsgKey, signed when it is sent). The MsgKeys answered OK are collected, so a run can check that
// each of them reached the sink. autocannon is for saturation only: its `overallRate` is enforced per
// second (each connection sends its whole quota for the second back to back, then waits), so a fixed
// rate is a burst at full speed every second. Latency at a fixed rate comes from lib/paced.js.
import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import launchModule from './launch.js';
import signed from './signed.js';

export const { root } = launchModule;
export const { token, sdkAppId, sample } = signed;
const { signedPath, nextKey, bodyWithKey, isOk } = signed;

/**
 * One autocannon run against `port`. `body` (an object without MsgKey's uniqueness) is the template;
 * `acked` (a Set) receives every MsgKey answered 200 OK. Saturates: every connection sends its next
 * request as soon as the previous one is answered. Returns autocannon's result plus the requests answered OK.
 */
export function signedLoad({ port, connections, duration, body = sample.body, acked }) {
  const bodyFor = bodyWithKey(body);
  let ok = 0;
  const instance = autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest(req, context) {
          const key = nextKey();
          context.key = key;
          return { ...req, path: signedPath(), body: bodyFor(key) };
        },
        onResponse(status, replyBody, context) {
          if (isOk(status, replyBody)) {
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
