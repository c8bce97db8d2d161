// Side-by-side benchmark of the callback path (`npm run bench`): raw node:http, bare Express 5,
// Fastify 5, a careful hand-written Express handler, and the built gateway in spool and direct mode.
// Every request is the documented C2C sample, signed at send time, with a fresh MsgKey.
//
// Rounds are interleaved (the order rotates every round) so machine noise spreads over all servers.
// Phase 1 saturates each server with CONNECTIONS connections (autocannon); phase 2 sends a fixed rate of
// half the spool gateway's median saturation to every server, evenly paced and open loop (lib/paced.js,
// at most CONNECTIONS keep-alive connections, latency from each request's scheduled time). Not
// autocannon's overallRate: it sends each connection's quota for the second in one burst at the start
// of the second, so its p99 measures the queue in that burst (raw node:http showed 20-35 ms).
// The servers run on CPU 1 and the load generator (this process) on CPU 0 where taskset exists.
// Bounded: about 2 x ROUNDS x 6 x DURATION seconds plus a short warm-up, the gateways' sink drains
// (each at most 60 s) and, at the fixed rate, up to 5 s per measurement for replies still due.
// Env: ROUNDS (5), DURATION (5 s), CONNECTIONS (32), WARMUP (2 s).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import launchModule from './lib/launch.js';
import { signedLoad } from './lib/load.mjs';
import pacedModule from './lib/paced.js';
import { fmt, max, median, min, pinSelf, spread } from './lib/stats.mjs';
import { comparison, drained, exactlyOnce, startComparison, startGateway } from './lib/targets.mjs';

const { processUsage, root, canPin } = launchModule;
const { pacedLoad } = pacedModule;
const rounds = Math.max(1, Number(process.env.ROUNDS ?? 5));
const duration = Number(process.env.DURATION ?? 5);
const connections = Number(process.env.CONNECTIONS ?? 32);
const warmup = Number(process.env.WARMUP ?? 2);
const started = new Date();

const pinned = canPin() && pinSelf('0');
const serverCpus = pinned ? '1' : undefined;
console.error(`load generator ${pinned ? 'on CPU 0, servers on CPU 1' : 'and servers unpinned (no taskset)'}; ${rounds} rounds x ${duration} s, ${connections} connections`);
console.error('saturation: autocannon; fixed rate: evenly paced open loop (lib/paced.js), latency from each request\'s scheduled time (autocannon\'s overallRate bursts each second\'s quota)');

const SPOOL = 'gateway, spool mode, Sign on, file sink';
const DIRECT = 'gateway, direct mode, Sign on, file sink';
const servers = [];
try {
  for (const name of Object.keys(comparison)) servers.push(await startComparison(name, serverCpus));
  servers.push(await startGateway(SPOOL, 'spool', { cpus: serverCpus }));
  servers.push(await startGateway(DIRECT, 'direct', { cpus: serverCpus }));
  const results = new Map(servers.map((s) => [s.name, { saturation: [], fixed: [] }]));

  async function measure(server, phase, rate) {
    const before = processUsage(server.child.pid);
    const r = rate === undefined
      ? await signedLoad({ port: server.port, connections, duration, acked: server.acked })
      : await pacedLoad({ port: server.port, rate, connections, duration, acked: server.acked });
    const after = processUsage(server.child.pid);
    const seconds = r.duration;
    const answered = r.requests.total;
    const row = {
      rps: r.okReplies / seconds,
      p50: r.latency.p50,
      p99: r.latency.p99,
      failed: answered - r.okReplies + r.errors + r.timeouts,
      ...(rate === undefined ? {} : { sendLateP99: r.sendLag.p99 }),
      cpuUsPerRequest: answered ? ((after.cpuMs - before.cpuMs) * 1000) / answered : NaN,
      rssMiB: after.rssMiB,
    };
    if (server.kind === 'gateway') row.drainMs = await drained(server);
    results.get(server.name)[phase].push(row);
    console.error(
      `${phase.padEnd(10)} ${server.name.padEnd(42)} ${fmt(row.rps, 0).padStart(7)} OK/s  p50 ${row.p50} ms  p99 ${row.p99} ms  ` +
        `cpu ${fmt(row.cpuUsPerRequest, 0)} µs/req  rss ${fmt(row.rssMiB, 0)} MiB  failed ${row.failed}` +
        (row.failed ? ` (errors ${r.errors}, timeouts ${r.timeouts}, not OK ${answered - r.okReplies})` : '') +
        (row.drainMs !== undefined ? `  sink drained in ${row.drainMs} ms` : '') +
        (rate === undefined ? '' : `  sent ${fmt(r.sendRate, 0)}/s, sent late p99 ${r.sendLag.p99} ms`),
    );
  }
  const rotate = (round) => servers.map((_, i) => servers[(i + round) % servers.length]);

  for (const server of servers) {
    await signedLoad({ port: server.port, connections, duration: warmup, acked: server.acked });
    if (server.kind === 'gateway') await drained(server);
  }
  for (let round = 0; round < rounds; round++) for (const server of rotate(round)) await measure(server, 'saturation');
  const rate = Math.max(1, Math.round(median(results.get(SPOOL).saturation.map((r) => r.rps)) / 2));
  console.error(`fixed rate: ${rate} requests/s (half the spool gateway's median saturation)`);
  for (let round = 0; round < rounds; round++) for (const server of rotate(round)) await measure(server, 'fixed', rate);

  const peak = new Map(servers.map((s) => [s.name, processUsage(s.child.pid).peakMiB]));
  for (const server of servers) await server.stop();
  const checks = new Map(servers.filter((s) => s.kind === 'gateway').map((s) => [s.name, exactlyOnce(s)]));
  for (const server of servers) if (server.kind === 'gateway') server.remove();

  const table = report({ results, rate, peak, checks });
  console.log(table);
  const dir = join(root, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  writeFileSync(join(dir, `bench-${stamp}.md`), `${table}\n`);
  writeFileSync(join(dir, `bench-${stamp}.json`), JSON.stringify({ started, rounds, duration, connections, rate, pinned, results: Object.fromEntries(results), peak: Object.fromEntries(peak), checks: Object.fromEntries(checks) }, null, 2));
  if (![...checks.values()].every((c) => c.ok)) process.exitCode = 1;
} finally {
  for (const server of servers) await server.stop().catch(() => undefined);
}

function report({ results, rate, peak, checks }) {
  const rps = (name) => results.get(name).saturation.map((r) => r.rps);
  // Ratios are taken round by round (the same machine state), then summarised.
  const ratios = (gateway, name) => results.get(gateway).saturation.map((r, i) => r.rps / results.get(name).saturation[i].rps);
  const lines = [];
  lines.push(`Command: \`npm run bench\` (ROUNDS=${rounds} DURATION=${duration} CONNECTIONS=${connections}), ${started.toISOString().slice(0, 10)}, Node ${process.version}, ${pinned ? 'servers on CPU 1, load generator on CPU 0' : 'unpinned'}.`);
  lines.push(`Medians over ${rounds} interleaved rounds, (min–max). Saturation: autocannon, ${connections} connections. Fixed rate: ${fmt(rate, 0)} requests/s, half the spool gateway's median saturation, evenly paced open loop (bench/lib/paced.js, up to ${connections} keep-alive connections), latency from each request's scheduled time to its reply; not autocannon's overallRate, which sends each second's quota in one burst.`);
  lines.push('');
  lines.push(`| server | OK/s at saturation | p50 / p99 at saturation (ms) | p50 / p99 at ${fmt(rate, 0)}/s (ms) | CPU µs per request | server CPU busy | peak RSS (MiB) | spool gateway ÷ this | direct gateway ÷ this |`);
  lines.push('|---|---|---|---|---|---|---|---|---|');
  for (const [name, r] of results) {
    const p = (phase, key) => fmt(median(r[phase].map((x) => x[key])));
    const fixedOk = r.fixed.every((x) => x.rps >= rate * 0.95);
    lines.push(
      `| ${name} | ${spread(rps(name), 0)} | ${p('saturation', 'p50')} / ${p('saturation', 'p99')} | ${p('fixed', 'p50')} / ${p('fixed', 'p99')}${fixedOk ? '' : ' (rate not held)'} | ` +
        `${fmt(median(r.saturation.map((x) => x.cpuUsPerRequest)), 0)} | ${fmt(median(r.saturation.map((x) => (x.rps * x.cpuUsPerRequest) / 1e4)), 0)} % | ${fmt(peak.get(name), 0)} | ${spread(ratios(SPOOL, name))} | ${spread(ratios(DIRECT, name))} |`,
    );
  }
  lines.push('');
  lines.push('- server CPU busy: CPU time the server used per second of saturation. Well under 100 % means something else was the limit: the load generator (one core), or other work sharing the server core. CPU µs per request is then the steadier measure of cost; its ratios are given below.');
  for (const [name, c] of checks) {
    lines.push(`- ${name}: ${fmt(c.acked, 0)} answered OK, ${fmt(c.lines, 0)} lines in the file sink, ${fmt(c.distinct, 0)} distinct ids: ${c.ok ? 'every OK delivered exactly once' : `${c.missing} OK MISSING, ${c.doubled} ids DOUBLED`}.`);
  }
  const failed = [...results].filter(([, r]) => [...r.saturation, ...r.fixed].some((x) => x.failed > 0));
  for (const [name, r] of failed) lines.push(`- ${name}: ${[...r.saturation, ...r.fixed].reduce((s, x) => s + x.failed, 0)} requests not answered OK.`);
  const slowDrain = [...results].flatMap(([name, r]) => r.saturation.filter((x) => x.drainMs !== undefined).map((x) => [name, x.drainMs]));
  const late = [...results].map(([, r]) => median(r.fixed.map((x) => x.sendLateP99)));
  lines.push(`- load generator at ${fmt(rate, 0)}/s: requests issued late by ${fmt(min(late))}–${fmt(max(late))} ms at p99 (median per server), when its own core was busy. Latency at the fixed rate includes that; a p99 close to it says more about the load generator's core than about the server.`);
  if (slowDrain.length) lines.push(`- sink caught up after each saturation round in ${slowDrain.map(([, ms]) => ms).reduce((a, b) => Math.max(a, b))} ms at most (-1: not within 60 s).`);
  lines.push('');
  const bare = 'bare Express 5 + express.json()';
  const target = (label, value, goal, pass) => `| ${label} | ${value} | ${goal} | ${pass ? 'met' : 'not met'} |`;
  const spoolRatio = median(ratios(SPOOL, bare));
  const directRatio = median(ratios(DIRECT, bare));
  const p99 = (name) => median(results.get(name).fixed.map((x) => x.p99));
  const mb = (name) => peak.get(name) * 1.048576;
  lines.push('| target | measured | goal | |');
  lines.push('|---|---|---|---|');
  const fixedCpu = (name) => median(results.get(name).fixed.map((x) => x.cpuUsPerRequest));
  lines.push(target('spool gateway ÷ bare Express (req/s at saturation)', `${fmt(spoolRatio)}×`, '≥ 1.0×', spoolRatio >= 1.0));
  lines.push(target('direct gateway ÷ bare Express (req/s at saturation)', `${fmt(directRatio)}×`, '≥ 1.2×', directRatio >= 1.2));
  lines.push(target(`spool gateway CPU per request at ${fmt(rate, 0)}/s ÷ bare Express's`, `${fmt(fixedCpu(SPOOL) / fixedCpu(bare))}× (${fmt(fixedCpu(SPOOL), 0)} vs ${fmt(fixedCpu(bare), 0)} µs)`, '≤ 1.0×', fixedCpu(SPOOL) <= fixedCpu(bare)));
  lines.push(target(`direct gateway CPU per request at ${fmt(rate, 0)}/s ÷ bare Express's`, `${fmt(fixedCpu(DIRECT) / fixedCpu(bare))}× (${fmt(fixedCpu(DIRECT), 0)} vs ${fmt(fixedCpu(bare), 0)} µs)`, '≤ 1.0×', fixedCpu(DIRECT) <= fixedCpu(bare)));
  lines.push(target(`spool gateway p99 at ${fmt(rate, 0)}/s`, `${fmt(p99(SPOOL))} ms`, '≤ 10 ms', p99(SPOOL) <= 10));
  lines.push(target(`direct gateway p99 at ${fmt(rate, 0)}/s`, `${fmt(p99(DIRECT))} ms`, '≤ 10 ms', p99(DIRECT) <= 10));
  lines.push(target('spool gateway peak RSS', `${fmt(mb(SPOOL), 0)} MB`, '≤ 150 MB', mb(SPOOL) <= 150));
  lines.push(target('direct gateway peak RSS', `${fmt(mb(DIRECT), 0)} MB`, '≤ 150 MB', mb(DIRECT) <= 150));
  return lines.join('\n');
}
