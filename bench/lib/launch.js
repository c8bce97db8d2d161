'use strict';
// Starts a Node server as its own process and waits until it logs the JSON line
// {"port":N,...,"msg":"listening"} (the gateway's pino line; the comparison servers print the same).
// Shared by the benchmarks (bench/*.mjs) and the tests (test/helpers/process.ts, test/scale/*).
const { spawn, spawnSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { stopWithThisProcess } = require('./children');

const root = join(__dirname, '..', '..');
/** The built gateway entry point. */
const gatewayMain = join(root, 'dist', 'main.js');
/** The Node flags `npm start` runs the gateway with (package.json's start script: `exec node <flags> dist/main.js`). */
const gatewayNodeArgs = (/\bnode((?: --\S+)*) dist\/main\.js/.exec(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.start)?.[1] ?? '').split(' ').filter(Boolean);

let tasksetChecked;
/** True when `taskset` exists and works here (Linux with util-linux). */
function canPin() {
  if (tasksetChecked === undefined) {
    const probe = spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
    tasksetChecked = probe.status === 0;
  }
  return tasksetChecked;
}

/**
 * Spawns `node [nodeArgs] script` with `env` (plus PATH). `cpus` ('1', '0-1') pins it with taskset
 * where available. Resolves once the process logs that it listens, with its port; rejects with its output
 * if it exits first, or stops it and rejects if it does not listen within `timeoutMs` (30 s).
 */
async function launch(script, env = {}, options = {}) {
  const nodeArgs = options.nodeArgs ?? [];
  const pinned = options.cpus !== undefined && canPin();
  const command = pinned ? 'taskset' : process.execPath;
  const args = pinned ? ['-c', options.cpus, process.execPath, ...nodeArgs, script] : [...nodeArgs, script];
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  stopWithThisProcess(child);
  let output = '';
  const keep = options.keepOutput ?? true;
  let pending = '';
  const onChunk = (chunk) => {
    if (keep) output += chunk;
    else pending = (pending + chunk).slice(-4096);
  };
  child.stdout.on('data', onChunk);
  child.stderr.on('data', onChunk);
  const exit = new Promise((resolve) => child.once('close', (code, signal) => resolve(code ?? signal)));
  const timeoutMs = options.timeoutMs ?? 30_000;
  const port = await new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk) => {
      seen += chunk;
      const match = /"port":(\d+)[^\n]*"msg":"listening"/.exec(seen);
      if (match) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve(Number(match[1]));
      }
    };
    child.stdout.on('data', onData);
    // A child that neither listens nor exits in time is stopped, so a failed start leaves nothing behind.
    let late = false;
    const timer = setTimeout(() => ((late = true), child.kill('SIGKILL')), timeoutMs);
    child.once('error', (error) => (clearTimeout(timer), reject(new Error(`${script} could not start: ${error.message}`))));
    void exit.then((code) => {
      clearTimeout(timer);
      const what = late ? `did not listen within ${timeoutMs} ms (killed it)` : `exited with ${code} before listening`;
      reject(new Error(`${script} ${what}: ${keep ? output : pending}`));
    });
  });
  return {
    child,
    port,
    output: () => (keep ? output : pending),
    exited: () => exit,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exit;
    },
  };
}

/** Resident memory now and at its peak (MiB), open descriptors and CPU time used (ms), from /proc. */
function processUsage(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  // /proc/<pid>/stat: fields after the command name; utime and stime are the 12th and 13th of them.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { rssMiB: kb('VmRSS') / 1024, peakMiB: kb('VmHWM') / 1024, cpuMs: (ticks * 1000) / 100 };
}

module.exports = { launch, canPin, processUsage, gatewayMain, gatewayNodeArgs, root };
