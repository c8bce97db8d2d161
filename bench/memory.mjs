// Peak resident memory (`npm run build && node bench/memory.mjs`): the gateway (Sign on, JSONL file
// sink, the Node flags of its own `npm start`) in spool and in direct mode, each started fresh, its resident
// memory read after a second at rest, then under signed saturation load (CONNECTIONS, default 32) for
// DURATION seconds (default 6); the peak is VmHWM of /proc/<pid>/status (what `npm run bench` reports,
// target ≤ 150 MB). Where the memory is at the peak, from /proc/<pid>/smaps: V8's heap pages (mappings of
// 256 KiB), the malloc heap and other anonymous mappings, and the node binary and libraries (file-backed,
// shared with every Node process on the machine but counted in each one's RSS). With
// BASELINE_MAIN=<another build's dist/main.js> both builds run in interleaved rounds (ROUNDS, default 3).
// The gateways run on CPU 1 and the load on CPU 0 where taskset can pin them.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import launchModule from './lib/launch.js';
import { signedLoad } from './lib/load.mjs';
import { pinSelf, spread } from './lib/stats.mjs';
import { exactlyOnce, drained, startGateway } from './lib/targets.mjs';

const { canPin, gatewayMain } = launchModule;
const duration = Number(process.env.DURATION ?? 6);
const connections = Number(process.env.CONNECTIONS ?? 32);
const rounds = Number(process.env.ROUNDS ?? 3);
const builds = [['this build', gatewayMain], ...(process.env.BASELINE_MAIN ? [['baseline', process.env.BASELINE_MAIN]] : [])];
const modes = ['spool', 'direct'];
/** The Node flags of a build's own `npm start` (a baseline runs with the flags it shipped with). */
const startArgsOf = (main) => (/\bnode((?: --\S+)*) dist\/main\.js/.exec(JSON.parse(readFileSync(join(dirname(dirname(main)), 'package.json'), 'utf8')).scripts.start)?.[1] ?? '').split(' ').filter(Boolean);
const pinned = canPin() && pinSelf('0');
const mib = (kib) => kib / 1024;

function status(pid) {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(text)?.[1]);
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}

/** KiB resident by kind of mapping: V8's heap pages, malloc's heap, other anonymous memory, files. */
function where(pid) {
  const parts = { v8: 0, malloc: 0, anonymous: 0, files: 0 };
  let kind;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const kib = (parseInt(head[2], 16) - parseInt(head[1], 16)) / 1024;
      const name = head[3];
      kind = name === '[heap]' ? 'malloc' : name.startsWith('/') ? 'files' : name === '' && kib === 256 ? 'v8' : 'anonymous';
      continue;
    }
    const rss = /^Rss:\s+(\d+)/.exec(line);
    if (rss && kind) parts[kind] += Number(rss[1]);
  }
  return parts;
}

async function measure(main, mode) {
  const gateway = await startGateway(mode, mode, { cpus: pinned ? '1' : undefined, main, startArgs: startArgsOf(main) });
  try {
    const pid = gateway.child.pid;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const rest = status(pid).rss;
    await signedLoad({ port: gateway.port, connections, duration, acked: gateway.acked });
    const peak = status(pid).hwm;
    const parts = where(pid);
    await drained(gateway);
    const check = exactlyOnce(gateway);
    if (!check.ok) throw new Error(`${mode}: not every OK delivered exactly once: ${JSON.stringify(check)}`);
    return { rest, peak, parts, ok: gateway.acked.size };
  } finally {
    await gateway.stop();
    gateway.remove();
  }
}

const results = new Map();
for (let round = 1; round <= rounds; round++) {
  const order = round % 2 ? builds : [...builds].reverse();
  for (const [name, main] of order) {
    for (const mode of modes) {
      const r = await measure(main, mode);
      const key = `${name}|${mode}`;
      if (!results.has(key)) results.set(key, []);
      results.get(key).push(r);
      console.log(`round ${round} ${name} ${mode}: at rest ${mib(r.rest).toFixed(0)} MiB, peak ${mib(r.peak).toFixed(0)} MiB (${((r.peak * 1024) / 1e6).toFixed(0)} MB), ${r.ok} OK`);
    }
  }
}

console.log(`Command: \`node bench/memory.mjs\` (DURATION=${duration} CONNECTIONS=${connections} ROUNDS=${rounds}), ${new Date().toISOString().slice(0, 10)}, Node ${process.versions.node}${pinned ? ', gateway on CPU 1, load on CPU 0' : ''}.`);
console.log('');
console.log('| build | mode | at rest MiB | peak MiB | peak MB (target ≤ 150) | at the peak: V8 heap pages / malloc heap / other anonymous / files MiB |');
console.log('|---|---|---|---|---|---|');
for (const [key, rs] of results) {
  const [name, mode] = key.split('|');
  const part = (k) => spread(rs.map((r) => mib(r.parts[k])), 0);
  console.log(`| ${name} | ${mode} | ${spread(rs.map((r) => mib(r.rest)), 0)} | ${spread(rs.map((r) => mib(r.peak)), 0)} | ${spread(rs.map((r) => (r.peak * 1024) / 1e6), 0)} | ${part('v8')} / ${part('malloc')} / ${part('anonymous')} / ${part('files')} |`);
}
