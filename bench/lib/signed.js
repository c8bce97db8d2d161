'use strict';
// Signed Tencent callbacks, shared by both load generators (lib/load.mjs: autocannon, lib/paced.js: an
// evenly paced open loop): the documented C2C sample (or a given body) with a fresh MsgKey per request,
// signed with Sign = sha256(token + RequestTime) at the moment it is sent, and the OK check on the reply.
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { root } = require('./launch.js');

const token = 'bench-token';
const sdkAppId = '1400000001';
const sample = JSON.parse(readFileSync(join(root, 'test/fixtures/tencent/c2c-after-send-official.json'), 'utf8'));
const okReply = '"ActionStatus":"OK"';

let signedAt = '';
let sign = '';
/** The callback path with the sample's query, signed for the current second. */
function signedPath() {
  const time = String(Math.floor(Date.now() / 1000));
  if (time !== signedAt) {
    signedAt = time;
    sign = createHash('sha256').update(token + time).digest('hex');
  }
  return `/tencent/callback?${new URLSearchParams({ ...sample.query, Sign: sign, RequestTime: time })}`;
}

let counter = 0;
const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;
/** A MsgKey unique to this process and run. */
function nextKey() {
  counter += 1;
  return `b${run}_${counter}`;
}

/** Builds request bodies from `body` (its MsgKey replaced): `(key) => JSON text`. */
function bodyWithKey(body = sample.body) {
  const head = JSON.stringify({ ...body, MsgKey: undefined }).slice(0, -1);
  return (key) => `${head},"MsgKey":"${key}"}`;
}

/** True for the gateway's (and the comparison servers') Tencent OK reply. */
const isOk = (status, replyBody) => status === 200 && replyBody.includes(okReply);

module.exports = { token, sdkAppId, sample, signedPath, nextKey, bodyWithKey, isOk };
