// Admin redrive benchmark (`npm run build && node bench/admin-redrive.mjs`): what a large redrive through
// the admin API costs the callbacks arriving meanwhile. One gateway (spool mode) on a spool holding
// ROUNDS batches of DEAD dead letters each (default 1,000,000; batch r has dead_at = r) for a file sink
// writing to /dev/null. Each round runs signed callbacks at a fixed RATE for DURATION seconds twice,
// in alternating order: once alone, once while POST /dead-letters/redrive moves that round's batch back
// to the queue (a job in chunks, each its own spool commit) and the dispatcher delivers it. Reports
// p50/p99 of callbacks (evenly paced open loop, lib/paced.js; latency from each request's scheduled
// time), medians and ranges over the rounds, and how far each redrive got within its window.
// Goal: p99 with the redrive within 2x of p99 without it.
// Env: DEAD (1000000), RATE (200), DURATION (10), ROUNDS (3), CONNECTIONS (8).
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import launchModule from './lib/launch.js';
import { sample, sdkAppId, token } from './lib/load.mjs';
import pacedModule from './lib/paced.js';
import { fmt, spread } from './lib/stats.mjs';

const { launch, gatewayMain, root } = launchModule;
const { pacedLoad } = pacedModule;
const require = createRequire(import.meta.url);
const { openSpool } = require(join(root, 'dist/pipeline/spool.js'));

const dead = Number(process.env.DEAD ?? 1_000_000);
const rate = Number(process.env.RATE ?? 200);
const duration = Number(process.env.DURATION ?? 10);
const rounds = Number(process.env.ROUNDS ?? 3);
const connections = Number(process.env.CONNECTIONS ?? 8);
const started = new Date();

/** ROUNDS batches of `count` dead letters of sink `file`, the documented sample with distinct ids. */
function fill(dir, count) {
  openSpool({ path: join(dir, 'spool.db'), sinks: ['file'] }).close();
  const db = new Database(join(dir, 'spool.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const data = JSON.stringify(sample.body);
  const insertEvent = db.prepare('INSERT INTO events (id, received_at, attributes, data) VALUES (?, ?, ?, ?)');
  const insertDead = db.prepare("INSERT INTO dead_letters (sink, seq, received_at, attempts, first_error, last_error, first_failed_at, dead_at) VALUES ('file', ?, ?, 3, 'refused', 'refused', ?, ?)");
  const at = Date.now() - 3_600_000;
  const chunk = db.transaction((round, from, to) => {
    for (let i = from; i < to; i += 1) {
      const id = `dead-${round}-${i}`;
      const attributes = JSON.stringify({ specversion: '1.0', id, source: `tencent-im/${sdkAppId}`, type: 'com.tencent.im.C2C.CallbackAfterSendMsg', time: new Date(at).toISOString(), datacontenttype: 'application/json' });
      const seq = insertEvent.run(id, at, attributes, data).lastInsertRowid;
      insertDead.run(seq, at, at, round);
    }
  });
  for (let round = 0; round < rounds; round += 1) for (let i = 0; i < count; i += 50_000) chunk(round, i, Math.min(count, i + 50_000));
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

async function admin(dir, method, path, body) {
  const { url, token: adminToken } = JSON.parse(readFileSync(join(dir, 'admin.json'), 'utf8'));
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return res.json();
}

const dir = mkdtempSync(join(tmpdir(), 'imgw-redrive-'));
let gateway;
try {
  writeFileSync(join(dir, 'sinks.json'), JSON.stringify({ sinks: [{ type: 'file', path: '/dev/null' }] }));
  const fillStart = Date.now();
  fill(dir, dead);
  console.error(`filled ${fmt(dead * rounds, 0)} dead letters in ${fmt((Date.now() - fillStart) / 1000)} s`);
  gateway = await launch(
    gatewayMain,
    { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, CONFIG_FILE: join(dir, 'sinks.json'), LOG_LEVEL: 'info', TENCENT_SDKAPPIDS: sdkAppId, TENCENT_CALLBACK_TOKENS: token },
    { keepOutput: false },
  );
  const results = { alone: [], redrive: [] };
  const progress = [];
  for (let round = 0; round < rounds; round += 1) {
    const order = round % 2 === 0 ? ['alone', 'redrive'] : ['redrive', 'alone'];
    for (const kind of order) {
      let job;
      if (kind === 'redrive') job = (await admin(dir, 'POST', '/dead-letters/redrive', { sink: 'file', since: round, until: round + 1 })).job;
      const r = await pacedLoad({ port: gateway.port, connections, duration, rate });
      results[kind].push(r);
      if (job) {
        const now = await admin(dir, 'GET', `/jobs/${job.id}`);
        progress.push({ round, done: now.done, total: now.total, state: now.state });
        // The next round starts when this redrive has finished (its deliveries may still run).
        for (let state = now.state; state === 'running'; state = (await admin(dir, 'GET', `/jobs/${job.id}`)).state) await new Promise((r2) => setTimeout(r2, 500));
      }
      console.error(`round ${round + 1} ${kind}: p50 ${fmt(r.latency.p50)} ms, p99 ${fmt(r.latency.p99)} ms, ok ${r.okReplies}/${r.requests.scheduled}`);
    }
  }
  const p99 = (kind) => results[kind].map((r) => r.latency.p99);
  const p50 = (kind) => results[kind].map((r) => r.latency.p50);
  const ratio = results.redrive.map((r, i) => r.latency.p99 / results.alone[i].latency.p99);
  const lines = [
    `Command: \`node bench/admin-redrive.mjs\` (DEAD=${dead} RATE=${rate} DURATION=${duration} ROUNDS=${rounds} CONNECTIONS=${connections}), ${started.toISOString().slice(0, 10)}, Node ${process.version}.`,
    '',
    '| Callbacks | p50 ms | p99 ms | OK |',
    '| --- | --- | --- | --- |',
    ...['alone', 'redrive'].map((kind) => `| ${kind === 'alone' ? 'alone' : 'during the redrive'} | ${spread(p50(kind))} | ${spread(p99(kind))} | ${results[kind].map((r) => `${r.okReplies}/${r.requests.scheduled}`).join(', ')} |`),
    '',
    `p99 during / alone, per round: ${ratio.map((x) => fmt(x)).join(', ')} (median ${spread(ratio)}; goal ≤ 2).`,
    `Redrive progress at the end of each window: ${progress.map((p) => `${fmt(p.done, 0)}/${fmt(p.total, 0)} (${p.state})`).join(', ')}.`,
  ];
  console.log(lines.join('\n'));
} finally {
  await gateway?.stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}
