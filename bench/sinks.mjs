// Sink throughput against real servers on loopback: each sink writes the same events batched (BATCH
// events per write) and unbatched (one event per write), side by side in every round; reports medians
// of events/s and the batched/unbatched ratio. Bounded by COUNT per measurement.
// Usage: npm run build && node bench/sinks.mjs   (env: ROUNDS=3 COUNT=5000 BATCH=100)
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const load = (path) => import(join(root, 'dist', path));
const rounds = Number(process.env.ROUNDS ?? 3);
const count = Number(process.env.COUNT ?? 5000);
const batchSize = Number(process.env.BATCH ?? 100);
const tmp = mkdtempSync(join(tmpdir(), 'imgw-sinkbench-'));
chmodSync(tmp, 0o755);
const children = [];

const waitPort = async (port) => {
  for (let i = 0; i < 500; i++) {
    if (await new Promise((r) => { const s = connect(port, '127.0.0.1'); s.once('connect', () => (s.destroy(), r(true))); s.once('error', () => r(false)); })) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`port ${port} did not open`);
};
const run = async (cmd, args, port) => { children.push(spawn(cmd, args, { stdio: 'ignore' })); await waitPort(port); };

await run('/usr/sbin/nats-server', ['-a', '127.0.0.1', '-p', '14222', '-js', '-sd', join(tmp, 'js')], 14222);
await run('/usr/bin/redis-server', ['--port', '16379', '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmp], 16379);
const pgBin = `/usr/lib/postgresql/${readdirSync('/usr/lib/postgresql').sort().pop()}/bin`;
mkdirSync(join(tmp, 'pg'));
execFileSync('chown', ['postgres:postgres', join(tmp, 'pg')]);
const asPg = (args) => execFileSync('runuser', ['-u', 'postgres', '--', ...args], { stdio: 'ignore' });
asPg([`${pgBin}/initdb`, '-D', join(tmp, 'pg', 'data'), '-U', 'postgres', '--auth=trust', '--no-locale']);
asPg([`${pgBin}/pg_ctl`, '-D', join(tmp, 'pg', 'data'), '-l', join(tmp, 'pg', 'log'), '-o', `-p 15432 -k ${join(tmp, 'pg')} -c listen_addresses=127.0.0.1`, '-w', 'start']);
const { createServer } = await import('node:http');
const receiver = createServer((req, res) => { req.resume(); req.on('end', () => res.writeHead(204).end()); });
await new Promise((r) => receiver.listen(19999, '127.0.0.1', r));

const { sinkConfigSchema, buildSink } = await load('sinks/registry.js');
const configs = {
  file: { type: 'file', path: join(tmp, 'events.jsonl') },
  http: { type: 'http', url: 'http://127.0.0.1:19999/events', secret: 'whsec_c2VjcmV0LXNlY3JldC0zMi1ieXRlcy4uLi4uLi4uLi4=' },
  nats: { type: 'nats', servers: 'nats://127.0.0.1:14222', stream: { name: 'BENCH', subjects: ['im.>'] } },
  redis: { type: 'redis', url: 'redis://127.0.0.1:16379' },
  postgres: { type: 'postgres', connectionString: 'postgres://postgres@127.0.0.1:15432/postgres' },
};

let n = 0;
const events = (k) => Array.from({ length: k }, () => {
  n += 1;
  const data = JSON.stringify({ CallbackCommand: 'C2C.CallbackAfterSendMsg', From_Account: 'user_alice', To_Account: 'user_bob', MsgKey: `${n}_1_1767225601`, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'hello bench' } }] });
  return { attributes: { specversion: '1.0', id: `bench-${n}`, source: 'tencent-im/1400000001', type: 'com.tencent.im.C2C.CallbackAfterSendMsg', time: new Date().toISOString(), datacontenttype: 'application/json', vendor: 'tencent', command: 'C2C.CallbackAfterSendMsg', sdkappid: '1400000001', fromaccount: 'user_alice', toaccount: 'user_bob', msgkey: `${n}_1_1767225601`, msgtime: 1767225601 }, data };
});

async function measure(sink, total, per) {
  const all = events(total);
  const started = performance.now();
  for (let i = 0; i < total; i += per) await sink.write(all.slice(i, i + per), AbortSignal.timeout(30_000));
  return total / ((performance.now() - started) / 1000);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = {};
try {
  for (const [name, raw] of Object.entries(configs)) {
    const sink = await buildSink(sinkConfigSchema.parse(raw), { dataDir: tmp });
    await measure(sink, batchSize, batchSize); // connect, create the stream or table
    results[name] = { batched: [], single: [] };
    for (let round = 0; round < rounds; round++) {
      results[name].batched.push(await measure(sink, count, batchSize));
      results[name].single.push(await measure(sink, Math.max(1, Math.floor(count / 10)), 1));
    }
    await sink.close();
    const b = median(results[name].batched), s = median(results[name].single);
    console.log(`${name.padEnd(8)} batched(${batchSize}) ${b.toFixed(0).padStart(7)} events/s   one-by-one ${s.toFixed(0).padStart(6)} events/s   ratio ${(b / s).toFixed(1)}x`);
  }
} finally {
  receiver.close();
  asPg([`${pgBin}/pg_ctl`, '-D', join(tmp, 'pg', 'data'), '-m', 'fast', 'stop']);
  for (const child of children) child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  rmSync(tmp, { recursive: true, force: true });
}
