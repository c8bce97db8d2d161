// Two builds of the gateway side by side (`node bench/compare.mjs <other>/dist/main.js [<first>/dist/main.js]`,
// the first being this checkout's build unless named): the same
// signed load, spool mode, Sign on, file sink, in interleaved rounds, pinned like `npm run bench`.
// For a before/after figure of a change: build the earlier commit in another worktree and name its
// dist/main.js. Env: ROUNDS (7), DURATION (5 s), CONNECTIONS (32).
import launchModule from './lib/launch.js';
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
const pinned = canPin() && pinSelf('0');
const cpus = pinned ? '1' : undefined;

const first = process.argv[3];
const gateways = [
  await startGateway(first ? `first (${first})` : 'this build', 'spool', { cpus, ...(first ? { main: first } : {}) }),
  await startGateway(`other (${other})`, 'spool', { cpus, main: other }),
];
const results = new Map(gateways.map((g) => [g.name, []]));
try {
  for (const g of gateways) await signedLoad({ port: g.port, connections, duration: 2, acked: g.acked });
  for (let round = 0; round < rounds; round++) {
    for (const g of round % 2 ? [...gateways].reverse() : gateways) {
      const before = processUsage(g.child.pid);
      const r = await signedLoad({ port: g.port, connections, duration, acked: g.acked });
      const after = processUsage(g.child.pid);
      await drained(g);
      const row = { rps: r.okReplies / r.duration, p99: r.latency.p99, cpuUs: ((after.cpuMs - before.cpuMs) * 1000) / Math.max(1, r.requests.total) };
      results.get(g.name).push(row);
      console.error(`round ${round + 1} ${g.name}: ${fmt(row.rps, 0)} OK/s, p99 ${row.p99} ms, ${fmt(row.cpuUs, 0)} µs CPU/request`);
    }
  }
} finally {
  for (const g of gateways) await g.stop();
}
const [mine, theirs] = gateways.map((g) => results.get(g.name));
const ratio = (key) => mine.map((row, i) => row[key] / theirs[i][key]);
console.log(`${rounds} interleaved rounds x ${duration} s, ${connections} connections, ${pinned ? 'pinned' : 'unpinned'}; medians (min–max)`);
for (const g of gateways) {
  const rows = results.get(g.name);
  console.log(`- ${g.name}: ${spread(rows.map((r) => r.rps), 0)} OK/s, p99 ${fmt(median(rows.map((r) => r.p99)))} ms, ${spread(rows.map((r) => r.cpuUs), 0)} µs CPU/request; ${exactlyOnce(g).ok ? 'every OK delivered exactly once' : 'DELIVERY CHECK FAILED'}`);
}
console.log(`- first ÷ other, round by round: throughput ${spread(ratio('rps'), 3)}, CPU per request ${spread(ratio('cpuUs'), 3)}`);
for (const g of gateways) g.remove();
