// Admin redrive benchmark (`npm run build && node bench/admin-redrive.mjs`): what a large redrive through
// the admin API costs the callbacks arriving meanwhile. One gateway (spool mode) on a spool holding
// ROUNDS batches of DEAD dead letters each (default 1,000,000; batch r has dead_at = r) for a file sink
// (a JSONL file in the run's temporary directory). Each round runs signed callbacks at a fixed RATE for DURATION seconds twice,
// in alternating order: once alone, once while POST /dead-letters/redrive moves that round's batch back
// to the queue (a job in chunks, each its own spool commit) and the dispatcher delivers it. Reports
// p50/p99 of callbacks (evenly paced open loop, lib/paced.js; latency from each request's scheduled
// time), medians and ranges over the rounds, and how far each redrive got within its window.
// Goal: p99 with the redrive within 2x of p99 without it.
// Before the next window the redrive must have finished and its events been delivered; a run where that
// takes longer than SETTLE seconds stops with an error (the gateway is stopped, the spool removed).
// The gateway runs with `npm start`'s Node flags and bench/lib/gc-stats.cjs preloaded: per window the
// script also reports its garbage collections (count, total and longest pause) and the most heap in use,
// and for each redrive the same from its start until its events were delivered.
// The first window follows WARMUP seconds of the same load, not measured: the gateway's start (compiling
// the hot path, its first passes over the spool) belongs to neither window.
// With PAUSED=1 the sink is paused for the window during the redrive and resumed after it: the window
// then measures the job alone with everything it moves queued as retries (a sink that cannot keep up),
// and its deliveries follow the window.
// Env: DEAD (1000000), RATE (200), DURATION (30), WARMUP (10), PAUSED (0), ROUNDS (3), CONNECTIONS (8), SETTLE (600), GATEWAY_CPUS
// (pin the gateway with taskset, e.g. 1); BUILD (the repository root whose build to run, default this one:
// a baseline built in another checkout runs under this script, side by side); PROFILE_DIR
// writes a CPU profile of the gateway there (node --cpu-prof) when it stops.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import launchModule from './lib/launch.js';
import { sample, sdkAppId, token } from './lib/load.mjs';
import pacedModule from './lib/paced.js';
import { fmt, spread } from './lib/stats.mjs';

const { launch, root } = launchModule;
const { pacedLoad } = pacedModule;
const require = createRequire(import.meta.url);
const build = resolve(process.env.BUILD ?? root);
const gatewayMain = join(build, 'dist/main.js');
const gatewayNodeArgs = (/\bnode((?: --\S+)*) dist\/main\.js/.exec(JSON.parse(readFileSync(join(build, 'package.json'), 'utf8')).scripts.start)?.[1] ?? '').split(' ').filter(Boolean);
const { openSpool } = require(join(build, 'dist/pipeline/spool.js'));
const { transaction } = require(join(build, 'dist/pipeline/spool/sqlite.js'));

const dead = Number(process.env.DEAD ?? 1_000_000);
const rate = Number(process.env.RATE ?? 200);
const duration = Number(process.env.DURATION ?? 30);
const warmup = Number(process.env.WARMUP ?? 10);
const paused = process.env.PAUSED === '1';
const rounds = Number(process.env.ROUNDS ?? 3);
const connections = Number(process.env.CONNECTIONS ?? 8);
const settle = Number(process.env.SETTLE ?? 600);
const started = new Date();

/**
 * ROUNDS batches of `count` dead letters of sink `file` (the documented sample with distinct ids), written
 * into the current schema with one SQL statement per table and batch (the log, its search rows, the dead
 * exceptions; the sink's cursor past them all), so a million takes seconds.
 */
function fill(dir, count) {
  openSpool({ path: join(dir, 'spool.db'), sinks: ['file'] }).close();
  const db = new DatabaseSync(join(dir, 'spool.db'));
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = OFF');
  const at = Date.now() - 3_600_000;
  const attributes = (id) => `json_object('specversion', '1.0', 'id', ${id}, 'source', 'tencent-im/${sdkAppId}', 'type', 'com.tencent.im.C2C.CallbackAfterSendMsg', 'time', '${new Date(at).toISOString()}', 'datacontenttype', 'application/json', 'vendor', 'tencent', 'command', 'C2C.CallbackAfterSendMsg', 'appid', '${sdkAppId}')`;
  const batch = transaction(db, (round) => {
    const first = (Object.values(db.prepare('SELECT coalesce(max(seq), 0) FROM log').get())[0]) + 1;
    db.prepare(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${count - 1})
      INSERT INTO log (seq, id, received_at, attributes, data) SELECT ${first} + i, 'dead-${round}-' || i, ${at}, ${attributes(`'dead-${round}-' || i`)}, ? FROM n`).run(JSON.stringify(sample.body));
    db.prepare(`INSERT INTO search (seq, id, received_at, vendor, command, appid) SELECT seq, id, received_at, 'tencent', 'C2C.CallbackAfterSendMsg', '${sdkAppId}' FROM log WHERE seq >= ?`).run(first);
    db.prepare(`INSERT INTO exceptions (sink, seq, state, received_at, attempts, next_at, first_error, last_error, first_failed_at, last_failed_at, dead_at)
      SELECT 'file', seq, 'dead', received_at, 3, ${at}, 'refused', 'refused', ${at}, ${at}, ${round} FROM log WHERE seq >= ?`).run(first);
  });
  for (let round = 0; round < rounds; round += 1) batch(round);
  db.prepare("INSERT INTO cursors (sink, acked, pending) SELECT 'file', max(seq), 0 FROM log WHERE true ON CONFLICT (sink) DO UPDATE SET acked = excluded.acked, pending = 0").run();
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  db.close();
}

/** Polls `ready` every half second until it holds or `seconds` have passed; resolves whether it held. */
async function waitFor(ready, seconds) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    if (await ready()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Collections and heap in use (from bench/lib/gc-stats.cjs) between two wall-clock times. */
function gcBetween(stats, from, to) {
  const within = stats.gcs.filter(([at]) => at >= from && at < to);
  const pauses = within.map(([, ms]) => ms);
  // perf_hooks' NODE_PERFORMANCE_GC_MAJOR: a full mark-compact (its pause is the final, atomic part).
  const majors = within.filter(([, , kind]) => kind === 4).map(([, ms]) => ms);
  const heap = stats.heap.filter(([at]) => at >= from && at < to).map(([, bytes]) => bytes);
  return { count: pauses.length, totalMs: pauses.reduce((a, b) => a + b, 0), maxMs: Math.max(0, ...pauses), majors: majors.length, majorMaxMs: Math.max(0, ...majors), heapMiB: Math.max(0, ...heap) / 2 ** 20 };
}
const gcLine = (g) => `${g.count} GCs, ${fmt(g.totalMs)} ms in all, longest ${fmt(g.maxMs)} ms; ${g.majors} major, longest ${fmt(g.majorMaxMs)} ms; heap up to ${fmt(g.heapMiB, 0)} MiB`;

const pendingOf = (stats) => stats.sinks.find((s) => s.sink === 'file')?.pending ?? 0;

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
  writeFileSync(join(dir, 'sinks.json'), JSON.stringify({ sinks: [{ type: 'file', path: join(dir, 'out.jsonl') }] }));
  const fillStart = Date.now();
  fill(dir, dead);
  console.error(`filled ${fmt(dead * rounds, 0)} dead letters in ${fmt((Date.now() - fillStart) / 1000)} s`);
  gateway = await launch(
    gatewayMain,
    { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, CONFIG_FILE: join(dir, 'sinks.json'), LOG_LEVEL: 'info', TENCENT_SDKAPPIDS: sdkAppId, TENCENT_CALLBACK_TOKENS: token, GC_STATS_FILE: join(dir, 'gc.json') },
    // The start checks the whole spool (quick_check): seconds per gigabyte.
    { keepOutput: false, cpus: process.env.GATEWAY_CPUS, timeoutMs: 600_000, nodeArgs: [...gatewayNodeArgs, '--require', join(root, 'bench/lib/gc-stats.cjs'), ...(process.env.PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROFILE_DIR}`] : [])] },
  );
  const results = { alone: [], redrive: [] };
  const spans = { alone: [], redrive: [], settle: [] };
  const progress = [];
  if (warmup > 0) await pacedLoad({ port: gateway.port, connections, duration: warmup, rate });
  const loads = [loadavg()[0]];
  for (let round = 0; round < rounds; round += 1) {
    const order = round % 2 === 0 ? ['alone', 'redrive'] : ['redrive', 'alone'];
    for (const kind of order) {
      let job;
      if (kind === 'redrive' && paused) await admin(dir, 'POST', '/sinks/file/pause');
      if (kind === 'redrive') job = (await admin(dir, 'POST', '/dead-letters/redrive', { sink: 'file', since: round, until: round + 1 })).job;
      const from = Date.now();
      const r = await pacedLoad({ port: gateway.port, connections, duration, rate });
      results[kind].push(r);
      spans[kind].push([from, Date.now()]);
      if (job) {
        const now = await admin(dir, 'GET', `/jobs/${job.id}`);
        // What the redrive had queued and the dispatcher not yet delivered: the sink's retries then.
        progress.push({ round, done: now.done, total: now.total, state: now.state, pending: pendingOf(await admin(dir, 'GET', '/stats')) });
        if (paused) await admin(dir, 'POST', '/sinks/file/resume');
        // The next window starts once this redrive has finished and its events are delivered, so no
        // "alone" window overlaps it; a redrive that cannot finish within SETTLE seconds ends the run.
        const settled = await waitFor(async () => (await admin(dir, 'GET', `/jobs/${job.id}`)).state !== 'running' && pendingOf(await admin(dir, 'GET', '/stats')) === 0, settle);
        if (!settled) throw new Error(`the redrive of round ${round + 1} and its deliveries did not finish within ${settle} s: ${JSON.stringify({ job: await admin(dir, 'GET', `/jobs/${job.id}`), stats: await admin(dir, 'GET', '/stats') })}`);
        spans.settle.push([from, Date.now()]);
      }
      loads.push(loadavg()[0]);
      console.error(`round ${round + 1} ${kind}: p50 ${fmt(r.latency.p50)} ms, p99 ${fmt(r.latency.p99)} ms, ok ${r.okReplies}/${r.requests.scheduled}`);
    }
  }
  await gateway.stop();
  const gc = JSON.parse(readFileSync(join(dir, 'gc.json'), 'utf8'));
  const p99 = (kind) => results[kind].map((r) => r.latency.p99);
  const p50 = (kind) => results[kind].map((r) => r.latency.p50);
  const ratio = results.redrive.map((r, i) => r.latency.p99 / results.alone[i].latency.p99);
  const lines = [
    `Command: \`node bench/admin-redrive.mjs\` (BUILD=${build} DEAD=${dead} RATE=${rate} DURATION=${duration} WARMUP=${warmup} PAUSED=${paused ? 1 : 0} ROUNDS=${rounds} CONNECTIONS=${connections}), ${started.toISOString().slice(0, 10)}, Node ${process.version}.`,
    '',
    '| Callbacks | p50 ms | p99 ms | OK |',
    '| --- | --- | --- | --- |',
    ...['alone', 'redrive'].map((kind) => `| ${kind === 'alone' ? 'alone' : 'during the redrive'} | ${spread(p50(kind))} | ${spread(p99(kind))} | ${results[kind].map((r) => `${r.okReplies}/${r.requests.scheduled}`).join(', ')} |`),
    '',
    `p99 during / alone, per round: ${ratio.map((x) => fmt(x)).join(', ')} (median ${spread(ratio)}; goal ≤ 2).`,
    `Load average (1 min) at the start and after each window: ${loads.map((x) => fmt(x)).join(', ')} (2 cores, shared).`,
    `Redrive progress at the end of each window: ${progress.map((p) => `${fmt(p.done, 0)}/${fmt(p.total, 0)} (${p.state}), ${fmt(p.pending, 0)} queued and not yet delivered`).join('; ')}.`,
    ...['alone', 'redrive', 'settle'].flatMap((kind) => spans[kind].map(([from, to], i) =>
      `GC round ${i + 1} ${kind === 'settle' ? 'redrive until delivered' : kind === 'alone' ? 'window alone' : 'window during the redrive'} (${fmt((to - from) / 1000)} s): ${gcLine(gcBetween(gc, from, to))}.`)),
  ];
  console.log(lines.join('\n'));
} catch (error) {
  if (gateway) console.error(`the gateway's last output:\n${gateway.output()}`);
  throw error;
} finally {
  await gateway?.stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}
