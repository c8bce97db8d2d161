'use strict';
// Distributed parts on loopback for the scale-out test and benchmark: a three-node NATS JetStream
// cluster and nginx as a load balancer, each on free ports in its own directory, stopped by PID.
const { spawn, execFileSync } = require('node:child_process');
const { mkdirSync, rmSync, writeFileSync } = require('node:fs');
const { createServer, connect } = require('node:net');
const { join } = require('node:path');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` (async, truthy when done) every 25 ms until it holds or `timeoutMs` passes. */
async function until(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      if (await check()) return;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await pause(25);
  }
}

function portOpen(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

function requireBinary(path, pkg) {
  try {
    execFileSync(path, ['-v'], { stdio: 'ignore' });
  } catch {
    throw new Error(`${path} is missing: install the Debian package ${pkg} (scripts/install-test-deps.sh does)`);
  }
  return path;
}

function daemon(command, args, logFile) {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4096)));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  return { child, exited, stderr: () => stderr, logFile };
}

async function stopChild(proc, signal = 'SIGTERM') {
  if (!proc) return;
  if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill(signal);
  await proc.exited;
}

/**
 * Three nats-server nodes clustered on loopback, JetStream on each. `urls` are the client URLs;
 * `kill(i)` is a kill -9 of node i; `stop()` ends all and removes their stores.
 */
async function startNatsCluster(dir) {
  const bin = requireBinary('/usr/sbin/nats-server', 'nats-server');
  mkdirSync(dir, { recursive: true });
  const nodes = [];
  for (let i = 0; i < 3; i++) nodes.push({ name: `n${i + 1}`, client: await freePort(), http: await freePort(), route: await freePort() });
  const routes = nodes.map((n) => `nats-route://127.0.0.1:${n.route}`).join(', ');
  for (const node of nodes) {
    const conf = join(dir, `${node.name}.conf`);
    writeFileSync(
      conf,
      `server_name: ${node.name}\nlisten: 127.0.0.1:${node.client}\nhttp: 127.0.0.1:${node.http}\n` +
        `jetstream { store_dir: "${join(dir, node.name)}" }\n` +
        `cluster { name: imgw, listen: 127.0.0.1:${node.route}, routes: [ ${routes} ] }\n`,
    );
    node.proc = daemon(bin, ['-c', conf]);
  }
  const json = async (node, path) => {
    const res = await fetch(`http://127.0.0.1:${node.http}${path}`);
    return res.ok ? res.json() : undefined;
  };
  // Ready when every node serves JetStream and they agree on a meta leader with three peers.
  await until(
    async () => {
      for (const node of nodes) {
        const health = await json(node, '/healthz?js-enabled-only=true');
        if (health?.status !== 'ok') return false;
      }
      const jsz = await json(nodes[0], '/jsz');
      return Boolean(jsz?.meta_cluster?.leader) && (jsz.meta_cluster.cluster_size ?? 0) >= 3;
    },
    30_000,
    'the NATS cluster to elect a JetStream meta leader',
  );
  return {
    urls: nodes.map((n) => `nats://127.0.0.1:${n.client}`),
    nodes: nodes.map((n) => ({ name: n.name, client: n.client, http: n.http })),
    /** kill -9 node `i` (0-based) and wait until it is gone. */
    async kill(i) {
      await stopChild(nodes[i].proc, 'SIGKILL');
    },
    /** GET a node's monitoring endpoint (e.g. /jsz?streams=true). */
    monitor: (i, path) => json(nodes[i], path),
    async stop() {
      for (const node of nodes) await stopChild(node.proc);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * nginx in the foreground as a round-robin load balancer on a free port in front of `upstreams`
 * (ports). A request that fails to reach one gateway (connection refused or reset) is passed to the
 * next, POST included: a callback sent twice is one event (de-duplicated by its id).
 */
async function startNginx(dir, upstreams) {
  const bin = requireBinary('/usr/sbin/nginx', 'nginx');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const servers = upstreams.map((p) => `server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`).join(' ');
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `pid ${join(dir, 'nginx.pid')}; error_log ${join(dir, 'error.log')} error; daemon off; worker_processes 1;\n` +
      `events { worker_connections 4096; }\n` +
      `http {\n  access_log off; client_body_temp_path ${join(dir, 'body')}; proxy_temp_path ${join(dir, 'proxy')};\n` +
      `  fastcgi_temp_path ${join(dir, 'fastcgi')}; uwsgi_temp_path ${join(dir, 'uwsgi')}; scgi_temp_path ${join(dir, 'scgi')};\n` +
      `  upstream gw { ${servers} keepalive 64; }\n` +
      `  server { listen 127.0.0.1:${port};\n` +
      `    location / { proxy_pass http://gw; proxy_http_version 1.1; proxy_set_header Connection "";\n` +
      `      proxy_next_upstream error timeout non_idempotent; proxy_next_upstream_tries 3;\n` +
      `      add_header X-Upstream $upstream_addr always; } }\n}\n`,
  );
  const proc = daemon(bin, ['-c', conf, '-p', dir]);
  await until(async () => {
    if (proc.child.exitCode !== null) throw new Error(`nginx exited: ${proc.stderr()}`);
    return portOpen(port);
  }, 15_000, 'nginx to listen');
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      await stopChild(proc);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

module.exports = { freePort, until, startNatsCluster, startNginx };
