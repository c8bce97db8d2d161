// Does delivery keep up with ingest at saturation? (`npm run bench:sustain`) The spool gateway (Sign on)
// is saturated for DURATION seconds (default 60, CONNECTIONS 32) once with the JSONL file sink and once
// with the NATS sink (a JetStream stream on a loopback nats-server), pinned like `npm run bench`. Every
// second it reads the sink's pending count and the age of its oldest pending event from /metrics; after
// the load it waits for the backlog to drain (at most 60 s) and checks that every callback answered OK
// is in the sink exactly once. Bounded: about 2 × (DURATION + drain + read-back) seconds.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import launchModule from './lib/launch.js';
import { signedLoad } from './lib/load.mjs';
import { fmt, pinSelf } from './lib/stats.mjs';
import { exactlyOnce, startGateway } from './lib/targets.mjs';

const { canPin } = launchModule;
const duration = Number(process.env.DURATION ?? 60);
const connections = Number(process.env.CONNECTIONS ?? 32);
const natsPort = Number(process.env.NATS_PORT ?? 14322);
const drainLimitMs = 60_000;
const pinned = canPin() && pinSelf('0');
const tmp = mkdtempSync(join(tmpdir(), 'imgw-sustain-'));

async function waitPort(port) {
  for (let i = 0; i < 500; i++) {
    const open = await new Promise((resolve) => {
      const socket = connectTcp(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`port ${port} did not open`);
}

/** The sink's pending events and the age of its oldest one, from the gateway's /metrics. */
async function backlog(port, sink) {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const value = (name) => Number(new RegExp(`^${name}\\{sink="${sink}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { pending: value('imgw_spool_pending_events'), oldest: value('imgw_spool_oldest_pending_seconds') };
}

let statsConnection;
/** How many messages the stream holds. */
async function streamCount(stream) {
  statsConnection ??= await connect({ servers: `nats://127.0.0.1:${natsPort}` });
  return (await (await jetstreamManager(statsConnection)).streams.info(stream)).state.messages;
}

/** Every event in the stream, read back with an ordered consumer: calls `each` with each parsed event. */
async function readStream(stream, each) {
  const nc = await connect({ servers: `nats://127.0.0.1:${natsPort}` });
  try {
    const { state } = await (await jetstreamManager(nc)).streams.info(stream);
    if (state.messages === 0) return;
    const consumer = await jetstream(nc).consumers.get(stream);
    const messages = await consumer.consume();
    for await (const message of messages) {
      each(message.json());
      if (message.seq >= state.last_seq) break;
    }
  } finally {
    await nc.close();
  }
}

async function measure(kind) {
  const sinks = kind === 'file'
    ? [{ type: 'file', rotateBytes: 1024 ** 4 }]
    : [{ type: 'nats', servers: `nats://127.0.0.1:${natsPort}`, subject: 'sustain.{command}', stream: { name: 'SUSTAIN', subjects: ['sustain.>'] } }];
  const gateway = await startGateway(`gateway, spool mode, ${kind} sink`, 'spool', { cpus: pinned ? '1' : undefined, sinks });
  const samples = [];
  try {
    const started = Date.now();
    let sampling = Promise.resolve();
    const timer = setInterval(() => {
      sampling = sampling.then(async () => {
        samples.push({ s: (Date.now() - started) / 1000, ...(await backlog(gateway.port, kind)) });
        // Keeps the line count current, so the drain below does not start by reading the whole file.
        if (kind === 'file') gateway.sink.lines();
      }).catch(() => undefined);
    }, 1000);
    const result = await signedLoad({ port: gateway.port, connections, duration, acked: gateway.acked });
    clearInterval(timer);
    await sampling;
    // Drained: the sink holds at least one event per OK (the pending gauge is refreshed once a second).
    const drainStart = Date.now();
    const held = kind === 'file' ? async () => gateway.sink.lines() : () => streamCount('SUSTAIN');
    let drainMs = -1;
    for (;;) {
      if ((await held()) >= gateway.acked.size) {
        drainMs = Date.now() - drainStart;
        break;
      }
      if (Date.now() - drainStart > drainLimitMs) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await gateway.stop();
    let check;
    if (kind === 'file') check = exactlyOnce(gateway);
    else {
      const ids = new Map();
      const keys = new Set();
      let lines = 0;
      await readStream('SUSTAIN', (event) => {
        lines += 1;
        ids.set(event.id, (ids.get(event.id) ?? 0) + 1);
        keys.add(event.msgkey);
      });
      const missing = [...gateway.acked].filter((key) => !keys.has(key)).length;
      const doubled = [...ids.values()].filter((n) => n > 1).length;
      check = { acked: gateway.acked.size, lines, distinct: ids.size, missing, doubled, ok: missing === 0 && doubled === 0 };
    }
    return { kind, rate: result.okReplies / duration, samples, drainMs, check };
  } finally {
    await gateway.stop();
    gateway.remove();
  }
}

const nats = spawn('/usr/sbin/nats-server', ['-a', '127.0.0.1', '-p', String(natsPort), '-js', '-sd', join(tmp, 'js')], { stdio: 'ignore' });
const results = [];
try {
  await waitPort(natsPort);
  for (const kind of ['file', 'nats']) {
    const r = await measure(kind);
    results.push(r);
    const at = (second) => r.samples.filter((x) => x.s <= second + 0.5).at(-1);
    console.error(`${kind}: ${fmt(r.rate, 0)} OK/s; pending at 10/30/${duration} s ${[10, 30, duration].map((s) => at(s)?.pending).join('/')}; drained in ${r.drainMs} ms; ${r.check.ok ? 'exactly once' : 'LOST OR DOUBLED'}`);
  }
} finally {
  await statsConnection?.close();
  nats.kill('SIGTERM');
  await new Promise((resolve) => (nats.exitCode !== null ? resolve() : nats.once('exit', resolve)));
  rmSync(tmp, { recursive: true, force: true });
}

const lines = [];
lines.push(`Command: \`npm run bench:sustain\` (DURATION=${duration} CONNECTIONS=${connections}), ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${pinned ? 'gateway on CPU 1, load generator on CPU 0' : 'unpinned'}; gateway in spool mode, Sign on, saturated by autocannon.`);
lines.push('');
lines.push(`| sink | OK/s | pending after 10 s | 30 s | ${duration} s | most pending | oldest pending, most (s) | drained after the load in | every OK delivered once |`);
lines.push('|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  const at = (second) => r.samples.filter((x) => x.s <= second + 0.5).at(-1)?.pending ?? '–';
  const most = Math.max(...r.samples.map((x) => x.pending));
  const oldest = Math.max(...r.samples.map((x) => x.oldest));
  lines.push(`| ${r.kind} | ${fmt(r.rate, 0)} | ${at(10)} | ${at(30)} | ${at(duration)} | ${fmt(most, 0)} | ${fmt(oldest, 2)} | ${r.drainMs < 0 ? 'not within 60 s' : `${r.drainMs} ms`} | ${r.check.ok ? `yes (${fmt(r.check.acked, 0)} OK, ${fmt(r.check.lines, 0)} in the sink, ${fmt(r.check.distinct, 0)} ids)` : `NO: ${r.check.missing} missing, ${r.check.doubled} doubled`} |`);
}
console.log(lines.join('\n'));
if (results.some((r) => !r.check.ok || r.drainMs < 0)) process.exitCode = 1;
