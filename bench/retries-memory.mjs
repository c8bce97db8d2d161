// Retries memory benchmark (`npm run build && node bench/retries-memory.mjs`): what a sink's retries
// cost the heap and the garbage collector once a redrive has queued COUNT of them (default 1,000,000),
// and how long delivering them in slices of 100 takes (`lowest(100)`, then deleting those). Each
// measurement runs in a fresh child process (node --expose-gc) against the built `Retries` of each
// build named in BUILDS (repository roots, comma-separated; default this one), the builds interleaved
// over ROUNDS (5) rounds. Seqs run from FIRST (1; from 2^31 on a seq is a heap number, not a small
// integer). Reports per build the medians and ranges of: heap used and array buffers after queueing
// (after a full collection, less what was there before), the time of that full collection (marking
// everything held), the time to queue them and the time to deliver them, and the longest single call of
// each (a call that grows or shrinks the structures holds the event loop for all of it).
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spread } from './lib/stats.mjs';

const here = fileURLToPath(import.meta.url);
const count = Number(process.env.COUNT ?? 1_000_000);
const first = Number(process.env.FIRST ?? 1);

if (process.argv[2] === 'child') {
  const { Retries } = createRequire(here)(join(process.argv[3], 'dist/pipeline/spool/retries.js'));
  const mib = (bytes) => bytes / 2 ** 20;
  gc();
  const before = process.memoryUsage();
  let started = performance.now();
  const retries = new Retries();
  let longestSetMs = 0;
  for (let i = 0; i < count; i += 1) {
    const at = performance.now();
    retries.set(first + i, { seq: first + i, receivedAt: 1_767_225_600_000 + i, attempts: 0, nextAt: 1_767_225_600_000 });
    longestSetMs = Math.max(longestSetMs, performance.now() - at);
  }
  const queueMs = performance.now() - started;
  started = performance.now();
  gc();
  const gcMs = performance.now() - started;
  const after = process.memoryUsage();
  started = performance.now();
  let longestDeleteMs = 0;
  while (retries.size > 0) {
    for (const retry of retries.lowest(100)) {
      const at = performance.now();
      retries.delete(retry.seq);
      longestDeleteMs = Math.max(longestDeleteMs, performance.now() - at);
    }
  }
  const deliverMs = performance.now() - started;
  console.log(JSON.stringify({ heapMiB: mib(after.heapUsed - before.heapUsed), buffersMiB: mib(after.arrayBuffers - before.arrayBuffers), gcMs, queueMs, deliverMs, longestSetMs, longestDeleteMs }));
} else {
  const builds = (process.env.BUILDS ?? '.').split(',').map((root) => resolve(root));
  const rounds = Number(process.env.ROUNDS ?? 5);
  const results = new Map(builds.map((root) => [root, []]));
  for (let round = 0; round < rounds; round += 1) {
    for (const root of round % 2 === 0 ? builds : [...builds].reverse()) {
      const out = execFileSync(process.execPath, ['--expose-gc', here, 'child', root], { env: { ...process.env, COUNT: String(count) }, encoding: 'utf8' });
      results.get(root).push(JSON.parse(out));
    }
  }
  console.log(`Command: \`node bench/retries-memory.mjs\` (COUNT=${count} FIRST=${first} ROUNDS=${rounds}), Node ${process.version}.\n`);
  console.log('| build | heap MiB | array buffers MiB | full GC ms | queue ms | deliver ms | longest set ms | longest delete ms |\n| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const [root, rows] of results) {
    const col = (key) => spread(rows.map((row) => row[key]));
    console.log(`| ${root} | ${col('heapMiB')} | ${col('buffersMiB')} | ${col('gcMs')} | ${col('queueMs')} | ${col('deliverMs')} | ${col('longestSetMs')} | ${col('longestDeleteMs')} |`);
  }
}
