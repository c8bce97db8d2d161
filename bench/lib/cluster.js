'use strict';
// Distributed parts on loopback for the scale-out test and benchmark: a three-node NATS JetStream
// cluster and nginx as a load balancer, each in its own directory, stopped by PID. Every start that
// fails or times out stops what it already started and throws with the children's output.
const { execFileSync } = require('node:child_process');
const { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { assertRunning, daemon, freePort, portOpen, stopChild, until, untilStarted } = require('./children');

function requireBinary(path, pkg) {
  try {
    execFileSync(path, ['-v'], { stdio: 'ignore' });
  } catch {
    throw new Error(`${path} is missing: install the Debian package ${pkg} (scripts/install-test-deps.sh does)`);
  }
  return path;
}

/** The ports a node chose for itself, from the file nats-server writes into `ports_file_dir` once it listens. */
function portsOf(node) {
  const file = readdirSync(node.portsDir).find((name) => name.endsWith('.ports'));
  if (!file) return undefined;
  const ports = JSON.parse(readFileSync(join(node.portsDir, file), 'utf8'));
  const port = (urls) => Number(new URL(urls[0]).port);
  return { client: port(ports.nats), http: port(ports.monitoring), route: port(ports.cluster) };
}

/**
 * Starts one node on ports it picks itself (`-1`), so no port can be taken between choosing and
 * binding it, adds it to `nodes` and resolves once it has written its ports file. `routes` are the route URLs of nodes
 * already running.
 */
async function startNode(nodes, bin, dir, name, routes, timeoutMs) {
  const node = { name, portsDir: join(dir, `${name}.ports`) };
  mkdirSync(node.portsDir, { recursive: true });
  const conf = join(dir, `${name}.conf`);
  writeFileSync(
    conf,
    `server_name: ${name}\nlisten: 127.0.0.1:-1\nhttp: 127.0.0.1:-1\nports_file_dir: "${node.portsDir}"\n` +
      `jetstream { store_dir: "${join(dir, name)}" }\n` +
      `cluster { name: imgw, listen: 127.0.0.1:-1, routes: [ ${routes.join(', ')} ] }\n`,
  );
  node.proc = daemon(bin, ['-c', conf], name);
  nodes.push(node); // before the wait, so a failed start stops it too
  await untilStarted(node.proc, () => (node.ports = portsOf(node)), timeoutMs, `${name} to listen`);
}

/** GET a node's monitoring endpoint as JSON (undefined unless 2xx). */
async function monitor(node, path) {
  const res = await fetch(`http://127.0.0.1:${node.ports.http}${path}`, { signal: AbortSignal.timeout(5000) });
  return res.ok ? res.json() : undefined;
}

/** What the cluster lacks for readiness, or '' when every node serves JetStream and sees a meta leader of three. */
async function notReady(nodes) {
  for (const node of nodes) {
    const health = await monitor(node, '/healthz?js-enabled-only=true');
    if (health?.status !== 'ok') return `${node.name} JetStream health ${JSON.stringify(health)}`;
  }
  for (const node of nodes) {
    const meta = (await monitor(node, '/jsz'))?.meta_cluster;
    if (!meta?.leader || (meta.cluster_size ?? 0) < 3) return `${node.name} sees meta group ${JSON.stringify(meta)}`;
  }
  return '';
}

/**
 * Three nats-server nodes clustered on loopback, JetStream on each. `urls` are the client URLs;
 * `kill(i)` is a kill -9 of node i; `stop()` ends all and removes their stores. If the cluster is not
 * ready within `timeoutMs` (or a node exits), every node started is stopped and the error carries
 * each node's output.
 */
async function startNatsCluster(dir, options = {}) {
  const bin = options.bin ?? requireBinary('/usr/sbin/nats-server', 'nats-server');
  const timeoutMs = options.timeoutMs ?? 30_000;
  mkdirSync(dir, { recursive: true });
  const nodes = [];
  const stop = async () => {
    for (const node of nodes) await stopChild(node.proc);
  };
  try {
    // JetStream clustering needs a configured route; the first node has no peer yet, so its route names
    // port 1 (tcpmux, never served here) and the others route to it: the routes then spread by gossip.
    for (const name of ['n1', 'n2', 'n3']) {
      const seed = nodes[0] ? `nats-route://127.0.0.1:${nodes[0].ports.route}` : 'nats-route://127.0.0.1:1';
      await startNode(nodes, bin, dir, name, [seed], timeoutMs);
    }
    let missing = 'no answer yet';
    await until(
      async () => {
        for (const node of nodes) assertRunning(node.proc, node.name);
        missing = await notReady(nodes).catch((error) => `${error.message} (${error.cause?.message ?? ''})`);
        return missing === '';
      },
      timeoutMs,
      () => `the NATS cluster to elect a JetStream meta leader (last: ${missing})`,
    );
  } catch (error) {
    await stop();
    throw new Error(`${error.message}\n${nodes.map((node) => node.proc.describe()).join('\n')}`, { cause: error });
  }
  return {
    urls: nodes.map((n) => `nats://127.0.0.1:${n.ports.client}`),
    nodes: nodes.map((n) => ({ name: n.name, client: n.ports.client, http: n.ports.http, pid: n.proc.child.pid })),
    /** kill -9 node `i` (0-based) and wait until it is gone. */
    async kill(i) {
      await stopChild(nodes[i].proc, 'SIGKILL');
    },
    /** GET a node's monitoring endpoint (e.g. /jsz?streams=true). */
    monitor: (i, path) => monitor(nodes[i], path),
    async stop() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * nginx in the foreground as a round-robin load balancer in front of `upstreams` (ports). A request
 * that fails to reach one gateway (connection refused or reset) is passed to the next, POST included:
 * a callback sent twice is one event (de-duplicated by its id). nginx cannot report a port it chose,
 * so it listens on a free port below the kernel's ephemeral range (see `freePort`).
 */
async function startNginx(dir, upstreams, options = {}) {
  const bin = options.bin ?? requireBinary('/usr/sbin/nginx', 'nginx');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const servers = upstreams.map((p) => `server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`).join(' ');
  const conf = join(dir, 'nginx.conf');
  const errorLog = join(dir, 'error.log');
  writeFileSync(
    conf,
    `pid ${join(dir, 'nginx.pid')}; error_log ${errorLog} error; daemon off; worker_processes 1;\n` +
      `events { worker_connections 4096; }\n` +
      `http {\n  access_log off; client_body_temp_path ${join(dir, 'body')}; proxy_temp_path ${join(dir, 'proxy')};\n` +
      `  fastcgi_temp_path ${join(dir, 'fastcgi')}; uwsgi_temp_path ${join(dir, 'uwsgi')}; scgi_temp_path ${join(dir, 'scgi')};\n` +
      `  upstream gw { ${servers} keepalive 64; }\n` +
      `  server { listen 127.0.0.1:${port};\n` +
      `    location / { proxy_pass http://gw; proxy_http_version 1.1; proxy_set_header Connection "";\n` +
      `      proxy_next_upstream error timeout non_idempotent; proxy_next_upstream_tries 3;\n` +
      `      add_header X-Upstream $upstream_addr always; } }\n}\n`,
  );
  const proc = daemon(bin, ['-c', conf, '-p', dir], 'nginx', errorLog);
  try {
    await untilStarted(proc, () => portOpen(port), options.timeoutMs ?? 15_000, 'nginx to listen');
  } catch (error) {
    await stopChild(proc);
    throw new Error(`${error.message}\n${proc.describe()}`, { cause: error });
  }
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    pid: proc.child.pid,
    async stop() {
      await stopChild(proc);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

module.exports = { freePort, until, startNatsCluster, startNginx };
