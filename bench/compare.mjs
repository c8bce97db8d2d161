// Two builds of the gateway side by side (`node bench/compare.mjs <other>/dist/main.js [<first>/dist/main.js]`,
// the first being this checkout's build unless named): the same
// signed load, spool mode, Sign on, file sink, in interleaved rounds, pinned like `npm run bench`.
// For a before/after figure of a change: build the earlier commit in another worktree and name its
// dist/main.js. Env: ROUNDS (7), DURATION (5 s), CONNECTIONS (32); RATE (requests/s) sends the evenly
// paced open-loop load of `npm run bench`'s fixed-rate phase (lib/paced.js) instead of saturating, where
// per-commit and per-batch costs show; FIRST_ENV / OTHER_ENV (JSON objects) add environment to each,
// FIRST_SINKS / OTHER_SINKS (JSON arrays) replace the default JSONL file sink's configuration (keep a file
// sink at its default path: the drain and exactly-once checks read it),
// FIRST_NODE_ARGS / OTHER_NODE_ARGS (space-separated) add Node flags; GATEWAY_CPUS sets the
// gateways' CPU list ('1' unless given).
import launchModule from './lib/launch.js';
import pacedModule from './lib/paced.js';
import { signedLoad } from './lib/load.mjs';
import { fmt, median, pinSelf, spread } from './lib/stats.mjs';
import { drained, exactlyOnce, startGateway } from './lib/targets.mjs';

const other = process.argv[2];
if (!other) {
  console.error('usage: node bench/compare.mjs <path to the other build>/dist/main.js');
  process.exit(2);
}
const { processUsage, canPin } = launchModule;
const rounds = Math.max(1, Number(process.env.ROUNDS ?? 7));
const duration = Number(process.env.DURATION ?? 5);
const connections = Number(process.env.CONNECTIONS ?? 32);
const rate = process.env.RATE ? Number(process.env.RATE) : undefined;
const envOf = (name) => (process.env[name] ? JSON.parse(process.env[name]) : {});
const nodeArgsOf = (name) => ({ nodeArgs: (process.env[name] ?? '').split(' ').filter(Boolean) });
const sinksOf = (name) => (process.env[name] ? { sinks: JSON.parse(process.env[name]) } : {});
const load = (g) =>
  rate === undefined
    ? signedLoad({ port: g.port, connections, duration, acked: g.acked })
    : pacedModule.pacedLoad({ port: g.port, rate, connections, duration, acked: g.acked });
const pinned = canPin() && pinSelf('0');
// GATEWAY_CPUS: the gateways' CPU list when pinned ('1' unless given; '0-1' shares both cores with the load).
const cpus = pinned ? (process.env.GATEWAY_CPUS ?? '1') : undefined;

const first = process.argv[3];
const gateways = [
  await startGateway(first ? `first (${first})` : 'this build', 'spool', { cpus, env: envOf('FIRST_ENV'), ...sinksOf('FIRST_SINKS'), ...nodeArgsOf('FIRST_NODE_ARGS'), ...(first ? { main: first } : {}) }),
  await startGateway(`other (${other})`, 'spool', { cpus, env: envOf('OTHER_ENV'), ...sinksOf('OTHER_SINKS'), ...nodeArgsOf('OTHER_NODE_ARGS'), main: other }),
];
const results = new Map(gateways.map((g) => [g.name, []]));
try {
  for (const g of gateways) await signedLoad({ port: g.port, connections, duration: 2, acked: g.acked });
  for (let round = 0; round < rounds; round++) {
    for (const g of round % 2 ? [...gateways].reverse() : gateways) {
      const before = processUsage(g.child.pid);
      const r = await load(g);
      const after = processUsage(g.child.pid);
      await drained(g);
      const row = { rps: r.okReplies / r.duration, p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, cpuUs: ((after.cpuMs - before.cpuMs) * 1000) / Math.max(1, r.requests.total), peakMiB: after.peakMiB };
      results.get(g.name).push(row);
      console.error(`round ${round + 1} ${g.name}: ${fmt(row.rps, 0)} OK/s, p50 ${row.p50} p90 ${row.p90} p99 ${row.p99} ms, ${fmt(row.cpuUs, 0)} µs CPU/request, peak RSS ${fmt(row.peakMiB, 0)} MiB`);
    }
  }
} finally {
  for (const g of gateways) await g.stop();
}
const [mine, theirs] = gateways.map((g) => results.get(g.name));
const ratio = (key) => mine.map((row, i) => row[key] / theirs[i][key]);
console.log(`${rounds} interleaved rounds x ${duration} s, ${rate === undefined ? 'saturation' : `${rate}/s evenly paced`}, ${connections} connections, ${pinned ? 'pinned' : 'unpinned'}; medians (min–max)`);
for (const g of gateways) {
  const rows = results.get(g.name);
  console.log(`- ${g.name}: ${spread(rows.map((r) => r.rps), 0)} OK/s, p50 ${fmt(median(rows.map((r) => r.p50)))} p90 ${fmt(median(rows.map((r) => r.p90)))} p99 ${fmt(median(rows.map((r) => r.p99)))} ms, ${spread(rows.map((r) => r.cpuUs), 0)} µs CPU/request, peak RSS ${fmt(Math.max(...rows.map((r) => r.peakMiB)), 0)} MiB; ${exactlyOnce(g).ok ? 'every OK delivered exactly once' : 'DELIVERY CHECK FAILED'}`);
}
console.log(`- first ÷ other, round by round: throughput ${spread(ratio('rps'), 3)}, CPU per request ${spread(ratio('cpuUs'), 3)}`);
for (const g of gateways) g.remove();
