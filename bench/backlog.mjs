// Backlog benchmark (`npm run build && node bench/backlog.mjs`): what a large backlog costs the gateway.
// Two gateways run side by side, one on an empty spool and one on a spool holding PENDING events
// (default 1,000,000) for a sink that cannot take them (its file path is a directory, retries an hour
// apart), so the backlog stays put. For each it measures, one request at a time, GET /metrics and
// GET /readyz (client-side latency, REPEAT times each); in this process, the bound check's reading of
// the spool (`readSpool`, the snapshot the bound check, /readyz and the gauges share) on the full spool,
// and once the aggregate the gateway used to run every second and on every scrape (GROUP BY over the
// pending rows); then signed callbacks at a fixed RATE for DURATION seconds against both gateways,
// interleaved in ROUNDS rounds, comparing p50/p99 (evenly paced open loop, lib/paced.js, up to CONNECTIONS
// keep-alive connections, latency from each request's scheduled time).
// Env: PENDING (1000000), REPEAT (200), RATE (200), DURATION (5), ROUNDS (3), CONNECTIONS (8).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import launchModule from './lib/launch.js';
import { sample, sdkAppId, token } from './lib/load.mjs';
import pacedModule from './lib/paced.js';
import { fmt, max, median } from './lib/stats.mjs';

const { launch, gatewayMain, root } = launchModule;
const { pacedLoad } = pacedModule;
const require = createRequire(import.meta.url);
const { openSpool } = require(join(root, 'dist/pipeline/spool.js'));
const { transaction } = require(join(root, 'dist/pipeline/spool/sqlite.js'));
const { readSpool, createSpoolPressure } = require(join(root, 'dist/pipeline/pressure.js'));
const { createMetrics } = require(join(root, 'dist/metrics.js'));
const { Registry } = require('prom-client');

const pendingTarget = Number(process.env.PENDING ?? 1_000_000);
const repeat = Number(process.env.REPEAT ?? 200);
const rate = Number(process.env.RATE ?? 200);
const duration = Number(process.env.DURATION ?? 5);
const rounds = Number(process.env.ROUNDS ?? 3);
const connections = Number(process.env.CONNECTIONS ?? 8);
const started = new Date();

/** A data directory whose sink `file` cannot be written (its path is a directory): events stay pending. */
function dataDir(kind) {
  const dir = mkdtempSync(join(tmpdir(), `imgw-backlog-${kind}-`));
  mkdirSync(join(dir, 'blocked.jsonl'));
  writeFileSync(
    join(dir, 'sinks.json'),
    JSON.stringify({ sinks: [{ type: 'file', path: join(dir, 'blocked.jsonl'), retryInitialMs: 3_600_000, retryMaxMs: 3_600_000, circuitBreaker: { failureThreshold: 0 } }] }),
  );
  return dir;
}

/** Fills the spool with `count` events pending for `file`, the documented sample with distinct ids. */
function fill(dir, count) {
  const spool = openSpool({ path: join(dir, 'spool.db'), sinks: ['file'] });
  spool.close();
  const db = new DatabaseSync(join(dir, 'spool.db'));
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = OFF');
  const data = JSON.stringify(sample.body);
  const insertEvent = db.prepare('INSERT INTO log (seq, id, received_at, attributes, data) VALUES (?, ?, ?, ?, ?)');
  const at = Date.now() - 3_600_000;
  const chunk = transaction(db, (from, to) => {
    for (let i = from; i < to; i += 1) {
      const id = `backlog-${i}`;
      const attributes = JSON.stringify({ specversion: '1.0', id, source: `tencent-im/${sdkAppId}`, type: 'com.tencent.im.C2C.CallbackAfterSendMsg', time: new Date(at).toISOString(), datacontenttype: 'application/json' });
      insertEvent.run(i + 1, id, at + i, attributes, data);
    }
  });
  for (let i = 0; i < count; i += 50_000) chunk(i, Math.min(count, i + 50_000));
  // Everything after the file sink's cursor is pending for it.
  db.prepare("UPDATE cursors SET acked = 0, pending = ? WHERE sink = 'file'").run(count);
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  db.close();
}

async function timed(fn) {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

async function getTimes(port, path) {
  const times = [];
  for (let i = 0; i < repeat; i += 1) {
    times.push(
      await timed(async () => {
        const res = await fetch(`http://127.0.0.1:${port}${path}`);
        await res.text();
      }),
    );
  }
  return times;
}

const p = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const row = (label, xs) => `| ${label} | ${fmt(median(xs))} | ${fmt(p(xs, 0.99))} | ${fmt(max(xs))} |`;

const dirs = { empty: dataDir('empty'), full: dataDir('full') };
const gateways = {};
try {
  const fillMs = await timed(() => fill(dirs.full, pendingTarget));
  console.error(`filled ${fmt(pendingTarget, 0)} pending events in ${fmt(fillMs / 1000)} s`);

  // The bound check's reading, in this process, on the full spool; and the old aggregate once.
  const spool = openSpool({ path: join(dirs.full, 'spool.db'), sinks: ['file'] });
  const readings = [];
  for (let i = 0; i < repeat; i += 1) readings.push(await timed(() => readSpool(spool)));
  const snapshot = readSpool(spool);
  // The gateway's own work per /metrics scrape and per /readyz, without HTTP and machine noise.
  const registry = new Registry();
  const metrics = createMetrics(registry, ['file']);
  const pressure = createSpoolPressure({ spool, limits: { maxPending: 3_000_000, maxBytes: 4 * 1024 ** 3, maxAgeMs: 0 } });
  pressure.stop();
  metrics.watchSpool(pressure);
  const scrapes = [];
  for (let i = 0; i < repeat; i += 1) scrapes.push(await timed(() => registry.metrics()));
  const readies = [];
  for (let i = 0; i < repeat; i += 1) readies.push(await timed(() => (pressure.refresh(), pressure.reason())));
  // What the counts in memory save: a scan of the backlog.
  const scanDb = new DatabaseSync(join(dirs.full, 'spool.db'), { readOnly: true });
  const oldAggregate = scanDb.prepare('SELECT count(*) AS pending, min(received_at) AS oldest FROM log');
  const scans = [];
  for (let i = 0; i < 3; i += 1) scans.push(await timed(() => oldAggregate.all()));
  scanDb.close();
  spool.close();
  console.error(`snapshot: ${JSON.stringify(snapshot.backlog)}; old aggregate ${scans.map((t) => fmt(t)).join(', ')} ms`);

  for (const [kind, dir] of Object.entries(dirs)) {
    const openMs = Date.now();
    gateways[kind] = await launch(gatewayMain, {
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dir,
      CONFIG_FILE: join(dir, 'sinks.json'),
      LOG_LEVEL: 'info',
      TENCENT_SDKAPPIDS: sdkAppId,
      TENCENT_CALLBACK_TOKENS: token,
    }, { keepOutput: false });
    gateways[kind].startMs = Date.now() - openMs;
  }
  console.error(`gateways listening (start: empty ${gateways.empty.startMs} ms, ${fmt(pendingTarget, 0)} pending ${gateways.full.startMs} ms)`);

  const results = {};
  for (const kind of Object.keys(dirs)) {
    const port = gateways[kind].port;
    await getTimes(port, '/metrics'); // warm-up
    results[kind] = { metrics: await getTimes(port, '/metrics'), readyz: await getTimes(port, '/readyz'), p50: [], p99: [], ok: 0, sent: 0 };
    const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    results[kind].pendingGauge = /imgw_spool_pending_events\{sink="file"\} (\d+)/.exec(body)?.[1];
  }
  for (let round = 0; round < rounds; round += 1) {
    for (const kind of round % 2 ? ['full', 'empty'] : ['empty', 'full']) {
      const r = await pacedLoad({ port: gateways[kind].port, connections, duration, rate });
      results[kind].p50.push(r.latency.p50);
      results[kind].p99.push(r.latency.p99);
      results[kind].ok += r.okReplies;
      results[kind].sent += r.requests.total;
      console.error(`round ${round + 1} ${kind.padEnd(5)} p50 ${r.latency.p50} ms p99 ${r.latency.p99} ms, ${r.okReplies}/${r.requests.total} OK`);
    }
  }

  const lines = [];
  lines.push(`Command: \`node bench/backlog.mjs\` (PENDING=${pendingTarget} REPEAT=${repeat} RATE=${rate} DURATION=${duration} ROUNDS=${rounds} CONNECTIONS=${connections}), ${started.toISOString().slice(0, 10)}, Node ${process.version}.`);
  lines.push('');
  lines.push(`| measured (ms) | median | p99 | max |`);
  lines.push('|---|---|---|---|');
  lines.push(row(`bound check reading (readSpool), ${fmt(pendingTarget, 0)} pending`, readings));
  lines.push(row(`/metrics body rendered in process (registry.metrics()), ${fmt(pendingTarget, 0)} pending`, scrapes));
  lines.push(row(`/readyz spool check in process (snapshot refresh + bound check), ${fmt(pendingTarget, 0)} pending`, readies));
  lines.push(row(`GET /metrics, empty spool`, results.empty.metrics));
  lines.push(row(`GET /metrics, ${fmt(pendingTarget, 0)} pending`, results.full.metrics));
  lines.push(row(`GET /readyz, empty spool`, results.empty.readyz));
  lines.push(row(`GET /readyz, ${fmt(pendingTarget, 0)} pending`, results.full.readyz));
  lines.push(row(`before: GROUP BY aggregate over the pending rows (once a second and per scrape)`, scans));
  lines.push('');
  lines.push(`| callbacks at ${rate}/s, ${rounds} x ${duration} s | p50 per round (ms) | p99 per round (ms) | median p99 | OK / sent |`);
  lines.push('|---|---|---|---|---|');
  for (const kind of ['empty', 'full']) {
    const r = results[kind];
    lines.push(`| ${kind === 'empty' ? 'empty spool' : `${fmt(pendingTarget, 0)} pending`} | ${r.p50.join(', ')} | ${r.p99.join(', ')} | ${fmt(median(r.p99))} | ${r.ok} / ${r.sent} |`);
  }
  lines.push('');
  lines.push(`- /metrics reported imgw_spool_pending_events{sink="file"} = ${results.full.pendingGauge} on the full spool.`);
  lines.push(`- Gateway start to listening: ${gateways.empty.startMs} ms empty, ${gateways.full.startMs} ms with ${fmt(pendingTarget, 0)} pending (integrity check and counts included).`);
  const limit = (xs) => p(xs, 0.99) < 5;
  lines.push(`- In process, under 5 ms at p99: bound check ${limit(readings) ? 'yes' : 'NO'}, /metrics ${limit(scrapes) ? 'yes' : 'NO'}, /readyz ${limit(readies) ? 'yes' : 'NO'}. Over HTTP the figures include this machine's load; compare the empty and the full spool.`);
  const table = lines.join('\n');
  console.log(table);
  const out = join(root, 'bench/results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, `backlog-${started.toISOString().replace(/[:.]/g, '-')}.md`), `${table}\n`);
} finally {
  for (const gateway of Object.values(gateways)) await gateway.stop().catch(() => undefined);
  for (const dir of Object.values(dirs)) rmSync(dir, { recursive: true, force: true });
}
