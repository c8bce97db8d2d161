// Where the gateway's time goes at saturation (`npm run bench:profile`): the spool gateway (Sign on,
// file sink) runs with --cpu-prof under signed load for DURATION seconds (default 15, CONNECTIONS 32),
// then the profile is summarised: share of busy time per part and the top self-time frames. With
// RATE=<requests/s> the load is the evenly paced open loop of `npm run bench`'s fixed-rate phase
// instead of saturation (per-request costs that batching hides at saturation show up there).
// The .cpuprofile stays in bench/results/ for a flame graph. LOAD_CPUS (default 0) pins the load generator;
// LOAD_CPUS=1 shares the gateway's core when the other core is busy with other work.
import { createRequire } from 'node:module';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import launchModule from './lib/launch.js';
import { signedLoad } from './lib/load.mjs';
import { fmt, pinSelf } from './lib/stats.mjs';
import { drained, exactlyOnce, startGateway } from './lib/targets.mjs';

const { canPin, root } = launchModule;
const duration = Number(process.env.DURATION ?? 15);
const connections = Number(process.env.CONNECTIONS ?? 32);
const mode = process.env.ACK_MODE ?? 'spool';
const rate = Number(process.env.RATE ?? 0);
const { pacedLoad } = createRequire(import.meta.url)('./lib/paced.js');
const loadCpus = process.env.LOAD_CPUS ?? '0';
const pinned = canPin() && pinSelf(loadCpus);
const profileDir = mkdtempSync(join(tmpdir(), 'imgw-prof-'));
const gateway = await startGateway('gateway', mode, { cpus: pinned ? '1' : undefined, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] });
let result;
try {
  result = rate > 0
    ? await pacedLoad({ port: gateway.port, rate, duration, connections, acked: gateway.acked })
    : await signedLoad({ port: gateway.port, connections, duration, acked: gateway.acked });
  await drained(gateway);
} finally {
  await gateway.stop();
}
const check = exactlyOnce(gateway);
gateway.remove();
const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
if (!file) throw new Error('the gateway wrote no .cpuprofile (did it exit cleanly?)');
const results = join(root, 'bench/results');
mkdirSync(results, { recursive: true });
const kept = join(results, `gateway-${mode}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);
copyFileSync(join(profileDir, file), kept);

const profile = JSON.parse(readFileSync(kept, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const self = new Map();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

function part({ functionName, url }) {
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(program)') return 'V8 / native (program)';
  if (!url) return 'native (V8 builtins, bindings)';
  if (url.startsWith('node:')) return 'Node internals';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1];
  if (url.includes('/dist/')) return 'the gateway';
  return url;
}
const parts = new Map();
const frames = new Map();
let busy = 0;
for (const [id, us] of self) {
  const frame = byId.get(id).callFrame;
  const p = part(frame);
  parts.set(p, (parts.get(p) ?? 0) + us);
  if (p === 'idle') continue;
  busy += us;
  const where = frame.url ? `${frame.url.startsWith('file://') ? relative(root, new URL(frame.url).pathname) : frame.url}:${frame.lineNumber + 1}` : '';
  const key = `${frame.functionName || '(anonymous)'} ${where}`.trim();
  frames.set(key, { us: (frames.get(key)?.us ?? 0) + us, part: p });
}
const pct = (us) => `${fmt((us / busy) * 100, 1)} %`;
const lines = [];
lines.push(`Command: \`npm run bench:profile\` (ACK_MODE=${mode}${rate > 0 ? ` RATE=${rate}` : ''} DURATION=${duration} CONNECTIONS=${connections}), ${new Date().toISOString().slice(0, 10)}, ${pinned ? `gateway on CPU 1, load on CPU ${loadCpus}` : 'unpinned'}.`);
lines.push(`${fmt(result.okReplies / (result.duration ?? duration), 0)} OK/s, p99 ${result.latency.p99} ms; busy ${fmt(busy / 1e6, 1)} s of ${fmt(((profile.endTime - profile.startTime) / 1e6), 1)} s profiled; ${fmt(busy / Math.max(1, check.lines), 0)} µs busy per stored event (start-up included); ${check.ok ? 'every OK delivered once' : 'LOST OR DOUBLED'}. Profile: ${relative(root, kept)}`);
lines.push('');
lines.push('| part | share of busy time |');
lines.push('|---|---|');
const ranked = [...parts].filter(([p]) => p !== 'idle').sort((a, b) => b[1] - a[1]);
const small = ranked.filter(([, us]) => us < busy * 0.005);
for (const [p, us] of ranked.filter(([, us]) => us >= busy * 0.005)) lines.push(`| ${p} | ${pct(us)} |`);
if (small.length) lines.push(`| ${small.length} others under 0.5 % each | ${pct(small.reduce((sum, [, us]) => sum + us, 0))} |`);
lines.push('');
lines.push('| frame (self time) | part | share of busy time |');
lines.push('|---|---|---|');
for (const [key, { us, part: p }] of [...frames].sort((a, b) => b[1].us - a[1].us).slice(0, 25)) lines.push(`| \`${key}\` | ${p} | ${pct(us)} |`);
console.log(lines.join('\n'));
if (!check.ok) process.exitCode = 1;
