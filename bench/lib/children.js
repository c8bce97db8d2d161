'use strict';
// Child servers for tests and benchmarks: spawn with the output kept, wait for a start with a
// deadline, stop on every path, and describe a child (exit status and output) when a start fails.
const { spawn } = require('node:child_process');
const { existsSync, readFileSync } = require('node:fs');
const { createServer, connect } = require('node:net');
const { constants } = require('node:os');

const KEEP = 8192;

/** Children started through these helpers that have not exited yet. */
const live = new Set();
let guarded = false;

/**
 * Stops `child` when this process ends first: at its exit (the test run or benchmark ended, or
 * threw) and when it is told to stop (SIGINT, SIGTERM, SIGHUP: the children get SIGTERM, then this
 * process exits as the signal would have ended it). A benchmark stopped with `kill` leaves no server
 * running on the machine.
 */
function stopWithThisProcess(child) {
  live.add(child);
  child.once('close', () => live.delete(child));
  if (guarded) return;
  guarded = true;
  const stopAll = () => {
    for (const running of live) if (running.exitCode === null && running.signalCode === null) running.kill('SIGTERM');
  };
  process.once('exit', stopAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, () => {
      stopAll();
      process.exit(128 + constants.signals[signal]);
    });
  }
}
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The lowest port the kernel hands out for bind(0) and outgoing connections (Linux), else 32768. */
function ephemeralLow() {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
}

function bindable(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A free port for a server that must be told its port before it starts. It is drawn at random from
 * 10000 up to the kernel's ephemeral range: the kernel never gives those ports to another socket on
 * its own (bind(0), outgoing connections), so only a program asking for that very port could take it
 * between now and the server's bind. Servers that can choose their own port should (port 0 or -1).
 */
async function freePort() {
  const low = 10_000;
  const span = ephemeralLow() - low;
  for (let tries = 0; tries < 200; tries++) {
    const port = low + Math.floor(Math.random() * span);
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port between ${low} and ${low + span}`);
}

/** Whether something accepts connections on 127.0.0.1:`port`. */
function portOpen(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/**
 * Spawns `command` with stdout and stderr kept (the last 8 KiB). `describe()` names the child, how it
 * ended and what it wrote (plus the tail of `logFile`, for servers that log to a file).
 */
function daemon(command, args, name = command, logFile) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  stopWithThisProcess(child);
  let output = '';
  const keep = (chunk) => (output = (output + chunk).slice(-KEEP));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let spawnError;
  child.once('error', (error) => (spawnError = error));
  const exited = new Promise((resolve) => child.once('close', (code, signal) => resolve(code ?? signal)));
  const describe = () => {
    const state = child.exitCode !== null || child.signalCode !== null ? `exited with ${child.exitCode ?? child.signalCode}` : 'was running';
    const log = logFile && existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-KEEP) : '';
    const error = spawnError ? ` (${spawnError.message})` : '';
    return `--- ${name} (pid ${child.pid ?? 'none'}) ${state}${error}; its output:\n${output}${log ? `--- ${logFile}:\n${log}` : ''}`;
  };
  return { child, exited, output: () => output, describe };
}

/** Ends the child with `signal` unless it already ended; resolves once it has exited. */
async function stopChild(proc, signal = 'SIGTERM') {
  if (!proc) return;
  const { child } = proc;
  if (child.pid === undefined) return; // never started (spawn failed)
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  await proc.exited;
}

/**
 * Polls `check` (async, truthy when done) every 25 ms until it holds or `timeoutMs` passes. A check
 * that throws counts as not yet (unless the error is marked `fatal`: then it ends the wait); the timeout names `what` (a string, or a function read at the end)
 * and the last error.
 */
async function until(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let last;
    try {
      if (await check()) return;
    } catch (error) {
      if (error.fatal) throw error;
      last = error;
    }
    if (Date.now() > deadline) {
      const named = typeof what === 'function' ? what() : what;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${named}${last ? `: ${last.message}` : ''}`);
    }
    await pause(25);
  }
}

/** Throws a fatal error (see `until`) when the child has exited or never started. */
function assertRunning(proc, name = 'the child') {
  const { child } = proc;
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
    throw Object.assign(new Error(`${name} exited before it was ready`), { fatal: true });
  }
}

/** `until(check)`, but fails at once if the child exits first. */
function untilStarted(proc, check, timeoutMs, what) {
  return until(
    async () => {
      assertRunning(proc);
      return check();
    },
    timeoutMs,
    what,
  );
}

module.exports = { assertRunning, daemon, freePort, portOpen, stopChild, stopWithThisProcess, until, untilStarted };
