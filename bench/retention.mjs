// Retention with dead letters at the front of the log (`npm run build && node bench/retention.mjs`):
// the CPU one minute's pass (`pruneAll`) costs when HELD events (default 1,000,000 dead letters of one
// sink) sit in front of a few delivered ones and nothing new can go. A spool file is made once (rows
// written with SQL, the schema by this build's `openSpool`) and copied for every measurement; each
// measurement opens the copy with one build's spool in a fresh child process, runs a first pass (it
// removes the DONE delivered events behind the dead letters) and then PASSES more (5), each with
// nothing to remove. BUILDS names the repository roots whose builds to compare (comma-separated;
// default this one), interleaved over ROUNDS (3). Prints per build the medians and ranges of CPU
// seconds of the first pass and of a later pass (the median of a child's later passes).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, spread } from './lib/stats.mjs';

const here = fileURLToPath(import.meta.url);
const held = Number(process.env.HELD ?? 1_000_000);
const done = Number(process.env.DONE ?? 100);
const passes = Number(process.env.PASSES ?? 5);
const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

if (process.argv[2] === 'child') {
  const { openSpool } = createRequire(here)(join(process.argv[3], 'dist/pipeline/spool/index.js'));
  const spool = openSpool({ path: process.argv[4], sinks: ['a'] });
  let started = cpuSeconds();
  const removed = await spool.pruneAll(5000);
  const first = cpuSeconds() - started;
  if (removed !== done) throw new Error(`the first pass removed ${removed}, not ${done}`);
  const later = [];
  for (let i = 0; i < passes; i += 1) {
    started = cpuSeconds();
    if ((await spool.pruneAll(5000)) !== 0) throw new Error('a later pass removed something');
    later.push(cpuSeconds() - started);
  }
  spool.close();
  console.log(JSON.stringify({ first, later: median(later) }));
} else {
  const builds = (process.env.BUILDS ?? '.').split(',').map((root) => resolve(root));
  const rounds = Number(process.env.ROUNDS ?? 3);
  const dir = mkdtempSync(join(tmpdir(), 'imgw-retention-bench-'));
  try {
    const template = join(dir, 'template.db');
    makeSpool(template);
    const results = new Map(builds.map((root) => [root, { first: [], later: [] }]));
    for (let round = 0; round < rounds; round += 1) {
      for (const root of round % 2 ? [...builds].reverse() : builds) {
        const copy = join(dir, 'spool.db');
        copyFileSync(template, copy);
        const out = JSON.parse(execFileSync(process.execPath, [here, 'child', root, copy], { encoding: 'utf8' }));
        rmSync(copy, { force: true });
        results.get(root).first.push(out.first);
        results.get(root).later.push(out.later);
      }
    }
    console.log(`retention: ${held.toLocaleString('en-US')} dead letters, then ${done} delivered events; ${rounds} interleaved rounds, ${passes} later passes each; Node ${process.version}; CPU seconds, median (range)`);
    for (const [root, r] of results) console.log(`${root}: first pass ${spread(r.first, 3)} s, later pass ${spread(r.later, 4)} s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A spool whose first HELD events are dead letters of sink `a` and whose last DONE are delivered. */
function makeSpool(path) {
  const { openSpool } = createRequire(here)(resolve(join(here, '..', '..', 'dist/pipeline/spool/index.js')));
  openSpool({ path, sinks: ['a'] }).close();
  const { DatabaseSync } = createRequire(here)('node:sqlite');
  const db = new DatabaseSync(path);
  const event = db.prepare("INSERT INTO log (seq, id, received_at, attributes, data) VALUES (?, ?, 1000, '{}', '{}')");
  const dead = db.prepare("INSERT INTO exceptions (sink, seq, state, received_at, attempts, dead_at) VALUES ('a', ?, 'dead', 1000, 3, 2000)");
  db.exec('BEGIN');
  for (let seq = 1; seq <= held + done; seq += 1) {
    event.run(seq, `e-${seq}`);
    if (seq <= held) dead.run(seq);
  }
  db.prepare('INSERT OR REPLACE INTO cursors (sink, acked, pending) VALUES (?, ?, 0)').run('a', held + done);
  db.exec('COMMIT');
  db.close();
}
