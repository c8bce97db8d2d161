// Callback-path benchmark: the gateway (signed C2C.CallbackAfterSendMsg through the SQLite spool, a
// distinct MsgKey per request) against a bare node:http JSON receiver, side by side, several rounds.
// Reports medians and gateway/baseline ratios. Bounded: ROUNDS x 2 x DURATION seconds.
// Usage: npm run build && node bench/run.mjs   (env: ROUNDS=3 DURATION=5 CONNECTIONS=20)
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const rounds = Number(process.env.ROUNDS ?? 3);
const duration = Number(process.env.DURATION ?? 5);
const connections = Number(process.env.CONNECTIONS ?? 20);
const token = 'bench-token';
const sample = JSON.parse(readFileSync(join(root, 'test/fixtures/tencent/c2c-after-send-official.json'), 'utf8'));

function launch(script, env) {
  const child = spawn(process.execPath, [script], { env: { PATH: process.env.PATH, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new Error(`${script} exited ${code}`)));
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /"port":(\d+)/.exec(out);
      if (m && /listening/.test(out)) resolve({ child, port: Number(m[1]) });
    });
  });
}

const memory = (pid) => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)[1]);
  return { rssMiB: kb('VmRSS') / 1024, peakMiB: kb('VmHWM') / 1024 };
};

let counter = 0;
function load(port) {
  return autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest(req) {
          counter += 1;
          const time = String(Math.floor(Date.now() / 1000));
          const sign = createHash('sha256').update(token + time).digest('hex');
          const body = JSON.stringify({ ...sample.body, MsgKey: `bench_${process.pid}_${counter}` });
          return { ...req, path: `/tencent/callback?${new URLSearchParams({ ...sample.query, Sign: sign, RequestTime: time })}`, body };
        },
      },
    ],
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const dataDir = mkdtempSync(join(tmpdir(), 'imgw-bench-'));
const gateway = await launch(join(root, 'dist/main.js'), { DATA_DIR: dataDir, LOG_LEVEL: 'info', TENCENT_SDKAPPIDS: '1400000001', TENCENT_CALLBACK_TOKENS: token });
const baseline = await launch(join(root, 'bench/baseline-server.mjs'), {});
const results = { gateway: [], baseline: [] };
try {
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 ? ['baseline', 'gateway'] : ['gateway', 'baseline'];
    for (const name of order) {
      const target = name === 'gateway' ? gateway : baseline;
      const r = await load(target.port);
      const row = { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, ok: r['2xx'], errors: r.errors + r.non2xx + r.timeouts, ...memory(target.child.pid) };
      results[name].push(row);
      console.log(`round ${round} ${name.padEnd(8)} ${row.rps.toFixed(0).padStart(6)} req/s  p50 ${row.p50} ms  p99 ${row.p99} ms  rss ${row.rssMiB.toFixed(0)} MiB  peak ${row.peakMiB.toFixed(0)} MiB  2xx ${row.ok}  errors ${row.errors}`);
    }
  }
} finally {
  gateway.child.kill('SIGTERM');
  baseline.child.kill('SIGTERM');
  await new Promise((resolve) => gateway.child.once('exit', resolve));
}
const accepted = results.gateway.reduce((sum, r) => sum + r.ok, 0);
const storedLines = readFileSync(join(dataDir, 'events.jsonl'), 'utf8').split('\n').filter(Boolean);
const stored = storedLines.length;
const distinct = new Set(storedLines.map((line) => JSON.parse(line).id)).size;
rmSync(dataDir, { recursive: true, force: true });

const m = (name, key) => median(results[name].map((r) => r[key]));
console.log(`\nmedians over ${rounds} rounds of ${duration}s, ${connections} connections`);
console.log(`gateway : ${m('gateway', 'rps').toFixed(0)} req/s, p99 ${m('gateway', 'p99')} ms, rss ${m('gateway', 'rssMiB').toFixed(0)} MiB (peak ${m('gateway', 'peakMiB').toFixed(0)} MiB)`);
console.log(`baseline: ${m('baseline', 'rps').toFixed(0)} req/s, p99 ${m('baseline', 'p99')} ms, rss ${m('baseline', 'rssMiB').toFixed(0)} MiB`);
console.log(`ratio gateway/baseline: throughput ${(m('gateway', 'rps') / m('baseline', 'rps')).toFixed(2)}, p99 ${(m('gateway', 'p99') / m('baseline', 'p99')).toFixed(2)}, rss ${(m('gateway', 'rssMiB') / m('baseline', 'rssMiB')).toFixed(2)}`);
// autocannon stops counting at the deadline, so replies still in flight then are stored but not counted.
const complete = stored >= accepted && distinct === stored;
console.log(`gateway answered OK ${accepted} (counted), events in the file sink ${stored}, distinct ids ${distinct}: ${complete ? 'every OK delivered, none twice' : 'LOST OR DOUBLED'}`);
if (!complete) process.exitCode = 1;
