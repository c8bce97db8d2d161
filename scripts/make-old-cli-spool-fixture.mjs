#!/usr/bin/env node
// Writes test/fixtures/spool/schema-3-old-cli.db: a schema-3 spool as the last release before the admin
// API leaves it after an operator worked on it with that release's CLI, which wrote SQL straight into
// the spool file. The spool is made through that release's own spool module, then changed by running
// its CLI (dist/cli.js) as a process, with the commands listed in `commands` below. The upgrade test
// (test/integration/old-cli-upgrade.test.ts) starts the current gateway on a copy.
// Usage, from a checkout of that release (git worktree add /tmp/old bbf39c4, with node_modules), on a
// Node with node:sqlite (22.16 or later; that release's better-sqlite3 built for it: npm rebuild there):
//   npm run build && node <this repository>/scripts/make-old-cli-spool-fixture.mjs <this repository>/test/fixtures/spool/schema-3-old-cli.db
// (That release's CLI has no dead-letter drop or quarantine drop: its quarantine redrive removes the
// entries that now make events.)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

const release = process.cwd();
const require = createRequire(join(release, 'package.json'));
const { openSpool } = require(join(release, 'dist/pipeline/spool.js'));
const out = resolve(process.argv[2] ?? 'test/fixtures/spool/schema-3-old-cli.db');
const work = mkdtempSync(join(tmpdir(), 'imgw-old-cli-'));
const path = join(work, 'spool.db');

const t0 = Date.UTC(2026, 11, 1);
const event = (n) => ({
  attributes: {
    specversion: '1.0', id: `old-cli-${n}`, source: 'tencent-im/1400000001', type: 'com.tencent.im.C2C.CallbackAfterSendMsg',
    time: new Date(t0 + n * 1000).toISOString(), datacontenttype: 'application/json',
  },
  data: JSON.stringify({ CallbackCommand: 'C2C.CallbackAfterSendMsg', MsgKey: `old-cli-${n}`, From_Account: 'alice', To_Account: 'bob' }),
});

// Sinks then: a, b, old and gone (each takes every event). Events old-cli-1..8 at t0 + n s.
const spool = openSpool({ path, sinks: ['a', 'b', 'old', 'gone'] });
for (let n = 1; n <= 8; n += 1) await spool.append(event(n), t0 + n * 1000);
// a: 1-5 delivered, 6 and 7 dead, 8 pending. b: all delivered. old: 1-4 delivered. gone: 1-6 delivered.
await spool.delivered('a', [1, 2, 3, 4, 5]);
await spool.deadLetter('a', [6, 7], 'refused for good', t0 + 30_000);
await spool.delivered('b', [1, 2, 3, 4, 5, 6, 7, 8]);
await spool.delivered('old', [1, 2, 3, 4]);
await spool.delivered('gone', [1, 2, 3, 4, 5, 6]);
// Two requests quarantined: one a valid C2C callback (as if an older version had refused it), one not.
const sample = JSON.parse(readFileSync(join(release, 'test/fixtures/tencent/c2c-after-send-official.json'), 'utf8'));
const head = { query: new URLSearchParams({ ...sample.query, Sign: 'redacted', RequestTime: String(t0 / 1000) }).toString() };
for (const [n, body] of [[1, { ...sample.body, MsgKey: 'old-cli-quarantined' }], [2, { ...sample.body, MsgKey: 'old-cli-invalid', MsgBody: {} }]]) {
  await spool.quarantine({ receivedAt: t0 + 40_000 + n, vendor: 'tencent', command: 'C2C.CallbackAfterSendMsg', reason: 'invalid_payload', detail: 'refused by an older version', head, body: Buffer.from(JSON.stringify(body)) });
}
spool.close();

// Then the operator's CLI session, with sinks a and b configured (old and gone were removed).
writeFileSync(join(work, 'sinks.json'), JSON.stringify({ sinks: [{ type: 'file', name: 'a', path: join(work, 'a.jsonl') }, { type: 'file', name: 'b', path: join(work, 'b.jsonl') }] }));
const env = { PATH: process.env.PATH, DATA_DIR: work, CONFIG_FILE: join(work, 'sinks.json'), TENCENT_SDKAPPIDS: '1400000001', TENCENT_CALLBACK_TOKENS: 'fixture-token' };
const commands = [
  ['dlq', 'redrive', '--sink', 'a'], // a: 6 and 7 pending again
  ['pending', 'drop', '--sink', 'gone'], // gone: 7 and 8 forgotten
  ['pending', 'move', '--sink', 'old', '--to', 'b'], // 5-8 pending for b
  ['quarantine', 'redrive'], // the valid request becomes event 9 (pending for a and b) and leaves quarantine; the other stays
  ['replay', '--since', new Date(t0 + 1500).toISOString(), '--until', new Date(t0 + 3500).toISOString(), '--sink', 'a'], // 2 and 3 again for a
];
for (const argv of commands) {
  const run = spawnSync(process.execPath, [join(release, 'dist/cli.js'), ...argv], { env, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`imgw ${argv.join(' ')} exited ${run.status}: ${run.stderr}`);
  console.log(`imgw ${argv.join(' ')} → ${run.stdout.trim()}`);
}

// One file (the WAL copied back), as small as SQLite makes it.
const db = new DatabaseSync(path);
db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
db.exec('PRAGMA journal_mode = DELETE');
db.exec('VACUUM');
db.close();
mkdirSync(resolve(out, '..'), { recursive: true });
for (const suffix of ['', '-wal', '-shm']) rmSync(out + suffix, { force: true });
writeFileSync(out, readFileSync(path));
rmSync(work, { recursive: true, force: true });
console.log(`wrote ${out}`);
