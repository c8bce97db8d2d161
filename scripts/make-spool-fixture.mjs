#!/usr/bin/env node
// Writes test/fixtures/spool/schema-3.db: a spool as the release with spool schema 3 leaves it, made
// through that release's own spool module (dist/pipeline/spool.js, built from it with `npm run build`):
// two sinks, delivered and pending events, a retry waiting with its errors, dead letters and a
// quarantined request. The upgrade test opens a copy and checks that every piece survived.
// Usage: git checkout <release> && npm run build && node scripts/make-spool-fixture.mjs [out]
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { openSpool } = require('../dist/pipeline/spool.js');
const out = resolve(process.argv[2] ?? 'test/fixtures/spool/schema-3.db');
mkdirSync(dirname(out), { recursive: true });
for (const suffix of ['', '-wal', '-shm']) rmSync(out + suffix, { force: true });

const t0 = Date.UTC(2026, 11, 1);
const event = (n) => ({
  attributes: {
    specversion: '1.0', id: `fixture-${n}`, source: 'tencent-im/1400000001', type: 'com.tencent.im.C2C.CallbackAfterSendMsg',
    time: new Date(t0 + n * 1000).toISOString(), datacontenttype: 'application/json', imfrom: `user-${n % 3}`, imto: 'user-9',
  },
  data: JSON.stringify({ CallbackCommand: 'C2C.CallbackAfterSendMsg', MsgKey: `key-${n}`, From_Account: `user-${n % 3}` }),
  message: JSON.stringify({ kind: 'c2c', text: `hello ${n}` }),
});

// "a" takes every event, "b" only odd ones (a route).
const spool = openSpool({ path: out, sinks: [{ name: 'a', accepts: () => true }, { name: 'b', accepts: (e) => Number(e.attributes.id.split('-')[1]) % 2 === 1 }] });
for (let n = 1; n <= 10; n += 1) await spool.append(event(n), t0 + n * 1000);
// a: 1-4 delivered, 5 waiting for a retry (two failed attempts), 6 dead, 7-10 pending.
await spool.delivered('a', [1, 2, 3, 4]);
await spool.failed('a', [5], 'first failure', t0 + 60_000, t0 + 20_000);
await spool.failed('a', [5], 'second failure', t0 + 120_000, t0 + 30_000);
await spool.deadLetter('a', [6], 'refused for good', t0 + 40_000);
// b: 1 and 3 delivered, 5 dead, 7 and 9 pending.
await spool.delivered('b', [1, 3]);
await spool.deadLetter('b', [5], 'too large', t0 + 41_000);
await spool.quarantine({
  receivedAt: t0 + 50_000, vendor: 'tencent', command: 'C2C.CallbackAfterSendMsg', reason: 'invalid_payload', detail: 'MsgBody: expected array',
  head: { query: 'SdkAppid=1400000001&CallbackCommand=C2C.CallbackAfterSendMsg' }, body: Buffer.from('{"MsgBody":{}}'),
});
spool.close();
console.log(`wrote ${out}`);
