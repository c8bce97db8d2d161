// Bytes written to storage per accepted callback (`npm run bench:write-amplification`): the spool
// gateway (Sign on, JSONL file sink) under signed saturation load for DURATION seconds (default 8,
// CONNECTIONS 32), `write_bytes` of /proc/<pid>/io read before and after the load. The file sink's own
// bytes (the emitted CloudEvents) are subtracted, so what is left is the spool's cost; it is divided by
// the OK replies and compared with the mean emitted CloudEvent. With BASELINE_MAIN=<path to another
// build's dist/main.js> both builds run in interleaved rounds (ROUNDS, default 3).
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import launchModule from './lib/launch.js';
import { signedLoad } from './lib/load.mjs';
import { fmt, pinSelf, spread } from './lib/stats.mjs';
import { drained, exactlyOnce, startGateway } from './lib/targets.mjs';

const { canPin, gatewayMain } = launchModule;
const duration = Number(process.env.DURATION ?? 8);
const connections = Number(process.env.CONNECTIONS ?? 32);
const rounds = Number(process.env.ROUNDS ?? 3);
const builds = [['this build', gatewayMain], ...(process.env.BASELINE_MAIN ? [['baseline', process.env.BASELINE_MAIN]] : [])];
const pinned = canPin() && pinSelf('0');

const writeBytes = (pid) => Number(/write_bytes: (\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1]);
const sinkBytes = (gateway) => {
  try {
    return statSync(join(gateway.dataDir, 'events.jsonl')).size;
  } catch {
    return 0;
  }
};

async function measure(main) {
  const gateway = await startGateway('gateway', 'spool', { cpus: pinned ? '1' : undefined, main });
  try {
    await signedLoad({ port: gateway.port, connections, duration: 1, acked: gateway.acked });
    await drained(gateway);
    const before = { disk: writeBytes(gateway.child.pid), sink: sinkBytes(gateway), lines: gateway.sink.lines() };
    const result = await signedLoad({ port: gateway.port, connections, duration, acked: gateway.acked });
    await drained(gateway);
    const after = { disk: writeBytes(gateway.child.pid), sink: sinkBytes(gateway), lines: gateway.sink.lines() };
    const check = exactlyOnce(gateway);
    const event = (after.sink - before.sink) / Math.max(1, after.lines - before.lines);
    const perCallback = (after.disk - before.disk - (after.sink - before.sink)) / Math.max(1, result.okReplies);
    return { okPerSecond: result.okReplies / duration, event, perCallback, ratio: perCallback / event, ok: check.ok };
  } finally {
    await gateway.stop();
    gateway.remove();
  }
}

const results = new Map(builds.map(([name]) => [name, []]));
for (let round = 0; round < rounds; round += 1) {
  const order = round % 2 === 0 ? builds : [...builds].reverse();
  for (const [name, main] of order) {
    const r = await measure(main);
    results.get(name).push(r);
    console.error(`round ${round + 1} ${name}: ${fmt(r.okPerSecond, 0)} OK/s, ${fmt(r.perCallback, 0)} B written per callback, CloudEvent ${fmt(r.event, 0)} B, ${fmt(r.ratio, 2)}×${r.ok ? '' : ', LOST OR DOUBLED'}`);
  }
}
console.log(`Command: \`npm run bench:write-amplification\` (DURATION=${duration} CONNECTIONS=${connections} ROUNDS=${rounds}), ${new Date().toISOString().slice(0, 10)}, Node ${process.versions.node}, ${pinned ? 'gateway on CPU 1, load on CPU 0' : 'unpinned'}.`);
console.log('');
console.log('| build | OK/s | bytes written per callback | emitted CloudEvent | ratio (target ≤ 3×) |');
console.log('|---|---|---|---|---|');
for (const [name, rs] of results) {
  console.log(`| ${name} | ${spread(rs.map((r) => r.okPerSecond), 0)} | ${spread(rs.map((r) => r.perCallback), 0)} | ${fmt(rs[0].event, 0)} B | ${spread(rs.map((r) => r.ratio), 2)}× |`);
}
if ([...results.values()].flat().some((r) => !r.ok)) process.exitCode = 1;
