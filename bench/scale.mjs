// Scaling curve of the gateway (`npm run bench:scale`), spool mode, Sign on, file sink:
//  1. OK/s and p99 at 1, 8, 64 and 256 connections;
//  2. OK/s, p99 and CPU per callback with 1 KB and 4 KB text bodies and a 12 KB TIMRelayElem;
//  3. resident memory and idle CPU with 10,000 idle keep-alive connections;
//  4. one, two and three gateways behind nginx (round robin), each with its own spool.
// Rounds are interleaved; each point is the median (min–max). Bounded: about
// ROUNDS x (4 + 3 + 3) x DURATION seconds plus start-up and the idle-connection step.
// Env: ROUNDS (3), DURATION (5 s), IDLE (10000).
import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import clusterModule from './lib/cluster.js';
import launchModule from './lib/launch.js';
import { bodyOfSize, sample, signedLoad } from './lib/load.mjs';
import { fmt, median, pinSelf, spread } from './lib/stats.mjs';
import { drained, exactlyOnce, startGateway } from './lib/targets.mjs';

const { processUsage, canPin } = launchModule;
const { startNginx } = clusterModule;
const rounds = Math.max(1, Number(process.env.ROUNDS ?? 3));
const duration = Number(process.env.DURATION ?? 5);
const idle = Number(process.env.IDLE ?? 10_000);
const started = new Date();
const pinned = canPin() && pinSelf('0');
const cpus = pinned ? '1' : undefined;
const out = [];
const say = (line) => {
  out.push(line);
  console.error(line);
};
const gateways = [];
const spawnGateway = async (name, options = {}) => {
  const g = await startGateway(name, 'spool', { cpus, ...options });
  gateways.push(g);
  return g;
};

async function point(gateway, connections, body) {
  const before = processUsage(gateway.child.pid);
  const r = await signedLoad({ port: gateway.port, connections, duration, body, acked: gateway.acked });
  const after = processUsage(gateway.child.pid);
  await drained(gateway);
  return { rps: r.okReplies / r.duration, p99: r.latency.p99, cpuUs: ((after.cpuMs - before.cpuMs) * 1000) / Math.max(1, r.requests.total) };
}

try {
  say(`Command: \`npm run bench:scale\` (ROUNDS=${rounds} DURATION=${duration} IDLE=${idle}), ${started.toISOString().slice(0, 10)}, Node ${process.version}, ${pinned ? 'gateway on CPU 1, load generator on CPU 0' : 'unpinned'}; gateway in spool mode, Sign on, file sink.`);
  const gw = await spawnGateway('gateway');
  await signedLoad({ port: gw.port, connections: 32, duration: 2, acked: gw.acked });
  await drained(gw);

  // 1. connections
  const conns = [1, 8, 64, 256];
  const byConn = new Map(conns.map((c) => [c, []]));
  for (let round = 0; round < rounds; round++) for (const c of round % 2 ? [...conns].reverse() : conns) byConn.get(c).push(await point(gw, c));
  say('');
  say('| connections | OK/s | p99 (ms) |');
  say('|---|---|---|');
  for (const [c, rs] of byConn) say(`| ${c} | ${spread(rs.map((r) => r.rps), 0)} | ${fmt(median(rs.map((r) => r.p99)))} |`);

  // 2. body sizes
  const bodies = [
    ['1 KB text', bodyOfSize(1024, 'text')],
    ['4 KB text', bodyOfSize(4096, 'text')],
    ['12 KB TIMRelayElem', bodyOfSize(12 * 1024, 'relay')],
  ];
  const byBody = new Map(bodies.map(([name]) => [name, []]));
  for (let round = 0; round < rounds; round++) for (const [name, body] of round % 2 ? [...bodies].reverse() : bodies) byBody.get(name).push(await point(gw, 32, body));
  say('');
  say('| body (32 connections) | bytes | OK/s | p99 (ms) | CPU µs per callback |');
  say('|---|---|---|---|---|');
  for (const [name, body] of bodies) {
    const rs = byBody.get(name);
    say(`| ${name} | ${fmt(JSON.stringify(body).length, 0)} | ${spread(rs.map((r) => r.rps), 0)} | ${fmt(median(rs.map((r) => r.p99)))} | ${fmt(median(rs.map((r) => r.cpuUs)), 0)} |`);
  }
  const check = exactlyOnce(gw);
  say('');
  say(`- ${fmt(check.acked, 0)} answered OK, ${fmt(check.lines, 0)} lines in the file sink: ${check.ok ? 'every OK delivered exactly once' : `${check.missing} MISSING, ${check.doubled} DOUBLED`}.`);
  if (!check.ok) process.exitCode = 1;

  // 3. idle keep-alive connections, on a fresh gateway (its RSS not inflated by the runs above)
  const fresh = await spawnGateway('idle', { env: { MAX_CONNECTIONS: String(idle + 100), MAX_CONNECTIONS_PER_CLIENT: '0' } });
  await signedLoad({ port: fresh.port, connections: 32, duration: 2, acked: fresh.acked });
  await drained(fresh);
  const base = processUsage(fresh.child.pid);
  // Each connection sends one keep-alive GET /healthz, reads the answer and then stays open, idle.
  const sockets = [];
  for (let i = 0; i < idle; i += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, idle - i) }, () =>
        new Promise((resolve, reject) => {
          const socket = connect(fresh.port, '127.0.0.1', () => socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n'));
          let seen = '';
          const onData = (chunk) => {
            seen += chunk;
            if (/^HTTP\/1\.1 200/.test(seen) && seen.includes('\r\n\r\n')) {
              socket.off('data', onData);
              sockets.push(socket);
              resolve();
            }
          };
          socket.on('data', onData);
          socket.once('error', reject);
        }),
      ),
    );
  }
  const opened = sockets.length;
  const held = processUsage(fresh.child.pid);
  await new Promise((resolve) => setTimeout(resolve, duration * 1000));
  const after = processUsage(fresh.child.pid);
  const idleCpu = ((after.cpuMs - held.cpuMs) / (duration * 1000)) * 100;
  const open = sockets.filter((s) => !s.destroyed).length;
  for (const socket of sockets) socket.destroy();
  say('');
  say(`- ${fmt(opened, 0)} keep-alive connections opened (one GET /healthz each), ${fmt(open, 0)} still open after ${duration} s idle: RSS ${fmt(base.rssMiB, 0)} MiB before, ${fmt(after.rssMiB, 0)} MiB with them (+${fmt(after.rssMiB - base.rssMiB, 0)} MiB, ${fmt(((after.rssMiB - base.rssMiB) * 1024) / Math.max(1, opened), 1)} KiB each); CPU while idle ${fmt(idleCpu, 1)} % of a core.`);
  await fresh.stop();

  // 4. one, two and three gateways behind nginx (unpinned: they share both cores with nginx and the load generator)
  await gw.stop();
  const dir = mkdtempSync(join(tmpdir(), 'imgw-bench-lb-'));
  const fleet = [];
  for (let i = 0; i < 3; i++) fleet.push(await spawnGateway(`lb${i}`, { cpus: undefined }));
  const balancers = [];
  for (let n = 1; n <= 3; n++) balancers.push(await startNginx(join(dir, `nginx${n}`), fleet.slice(0, n).map((g) => g.port)));
  const acked = new Set();
  const byFleet = new Map([1, 2, 3].map((n) => [n, []]));
  for (let round = 0; round < rounds; round++) {
    for (const n of round % 2 ? [3, 2, 1] : [1, 2, 3]) {
      const r = await signedLoad({ port: balancers[n - 1].port, connections: 64, duration, acked });
      byFleet.get(n).push({ rps: r.okReplies / r.duration, p99: r.latency.p99 });
      for (const g of fleet) await drained({ sink: g.sink, acked: { size: 0 } });
    }
  }
  for (const b of balancers) await b.stop();
  rmSync(dir, { recursive: true, force: true });
  say('');
  say('| gateways behind nginx (64 connections, unpinned, 2 cores shared with nginx and the load generator) | OK/s | p99 (ms) |');
  say('|---|---|---|');
  for (const [n, rs] of byFleet) say(`| ${n} | ${spread(rs.map((r) => r.rps), 0)} | ${fmt(median(rs.map((r) => r.p99)))} |`);
  console.log(out.join('\n'));
} finally {
  for (const g of gateways) {
    await g.stop().catch(() => undefined);
    g.remove();
  }
}
