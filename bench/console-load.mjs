// "No cost to ingest": spool-mode saturation throughput of one gateway with nobody on the console, side
// by side with ten operators whose overview refreshes every second and one running searches.
// The console clients are HTTP clients making exactly the requests the pages make (sign in, then
// GET /console/api/overview?since=<last sample> every second; GET /console/api/events with a changing
// filter every 500 ms, each row's sink states in the answer), not ten Chromium processes: on a shared
// 2-core machine ten browsers would measure the browsers' own CPU, not what the gateway serves them.
// The clients run in a worker thread, so they do not slow this thread's load generator.
// Rounds are interleaved (none, console, console, none, ...). Env: ROUNDS (3), DURATION (5 s),
// CONNECTIONS (32), SEARCH_EVERY_MS (1000: one search a second, like the overview's refresh),
// GATEWAY_CPUS (pin the gateway with taskset, e.g. 1, and run the script on another core).
// Needs `npm run build`. Prints medians and ranges, and the change in %.
import { createHash } from 'node:crypto';
import { signedLoad } from './lib/load.mjs';
import { fmt, median, spread } from './lib/stats.mjs';
import { startGateway } from './lib/targets.mjs';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const rounds = Math.max(1, Number(process.env.ROUNDS ?? 3));
const duration = Number(process.env.DURATION ?? 5);
const connections = Number(process.env.CONNECTIONS ?? 32);
const searchEveryMs = Number(process.env.SEARCH_EVERY_MS ?? 1000);
// OVERVIEWS (10) and SEARCHERS (1) split the console's cost between the two pages.
const overviews = Number(process.env.OVERVIEWS ?? 10);
const searchers = Number(process.env.SEARCHERS ?? 1);
// The Messages page takes each row's sink states from the search answer; DETAILS=1 adds one detail
// request per row, as a page whose search answer lacked them would make.
const details = process.env.DETAILS === '1';
const TOKEN = 'bench-operator-token-0123456789abcdef';
const sha = createHash('sha256').update(TOKEN).digest('hex');

async function freePort() {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => { const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); }); });
}

async function signIn(adminUrl) {
  const res = await fetch(`${adminUrl}/console/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${TOKEN}` });
  const cookie = res.headers.get('set-cookie')?.split(';')[0];
  if (res.status !== 303 || !cookie) throw new Error(`console sign-in failed: HTTP ${res.status}`);
  return cookie;
}

/** One operator on the overview: a refresh every second, asking only for samples it does not have. */
function overviewClient(adminUrl, cookie, stop) {
  let since;
  let requests = 0;
  const loop = async () => {
    while (!stop.done) {
      const started = Date.now();
      const res = await fetch(`${adminUrl}/console/api/overview${since === undefined ? '' : `?since=${since}`}`, { headers: { cookie } });
      const data = await res.json();
      since = data.samples.at(-1)?.at ?? since;
      requests += 1;
      await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - started))));
    }
  };
  return loop().then(() => requests);
}

/** One operator searching: a search every SEARCH_EVERY_MS (filters cycle), then each row's detail, as the page does for badges. */
function searchClient(adminUrl, cookie, stop) {
  const filters = ['', 'vendor=tencent', 'sender=jared', 'recipient=Jonh', 'command=C2C.CallbackAfterSendMsg'];
  let requests = 0;
  const loop = async () => {
    for (let i = 0; !stop.done; i += 1) {
      const started = Date.now();
      const page = await (await fetch(`${adminUrl}/console/api/events?limit=50&${filters[i % filters.length]}`, { headers: { cookie } })).json();
      if (details) await Promise.all(page.items.slice(0, 50).map((row) => fetch(`${adminUrl}/console/api/pods/${encodeURIComponent(row.pod)}/events/${row.seq}`, { headers: { cookie } }).then((r) => r.arrayBuffer())));
      requests += 1 + (details ? page.items.length : 0);
      await new Promise((r) => setTimeout(r, Math.max(0, searchEveryMs - (Date.now() - started))));
    }
  };
  return loop().then(() => requests);
}

if (!isMainThread) {
  const stop = { done: false };
  parentPort.once('message', () => (stop.done = true));
  const { adminUrl } = workerData;
  const clients = [];
  for (let i = 0; i < overviews; i += 1) clients.push(overviewClient(adminUrl, await signIn(adminUrl), stop));
  for (let i = 0; i < searchers; i += 1) clients.push(searchClient(adminUrl, await signIn(adminUrl), stop));
  parentPort.postMessage({ ready: true });
  const counts = await Promise.all(clients);
  parentPort.postMessage({ requests: counts.reduce((a, b) => a + b, 0) });
  process.exit(0);
}

/** Starts the eleven console clients in a worker; resolves once they are signed in, with a stop that resolves their request count. */
async function startClients(adminUrl) {
  const worker = new Worker(new URL(import.meta.url), { workerData: { adminUrl } });
  const messages = [];
  let wake;
  worker.on('message', (m) => (messages.push(m), wake?.()));
  const next = () => new Promise((resolve) => { const check = () => (messages.length ? resolve(messages.shift()) : (wake = check)); check(); });
  await next();
  return { async stop() { worker.postMessage('stop'); const { requests } = await next(); await worker.terminate(); return requests; } };
}

const adminPort = await freePort();
const gateway = await startGateway('gateway, spool mode, file sink', 'spool', { cpus: process.env.GATEWAY_CPUS, env: { ADMIN_PORT: String(adminPort), ADMIN_TOKENS: `bench:operator:sha256:${sha}` } });
const adminUrl = `http://127.0.0.1:${adminPort}`;
const results = { none: [], console: [] };
const served = [];
try {
  await signedLoad({ port: gateway.port, connections, duration: 2 }); // warm-up
  for (let round = 0; round < rounds; round += 1) {
    for (const mode of round % 2 === 0 ? ['none', 'console'] : ['console', 'none']) {
      const clients = mode === 'console' ? await startClients(adminUrl) : undefined;
      const r = await signedLoad({ port: gateway.port, connections, duration });
      const requests = clients ? await clients.stop() : 0;
      results[mode].push(r.okReplies / r.duration);
      if (mode === 'console') served.push(requests / r.duration);
      console.error(`round ${round + 1} ${mode}: ${fmt(r.okReplies / r.duration, 0)} callbacks/s${mode === 'console' ? `, console requests/s ${fmt(served.at(-1), 1)}` : ''}`);
    }
  }
} finally {
  await gateway.stop();
  gateway.remove();
}
const change = ((median(results.console) - median(results.none)) / median(results.none)) * 100;
console.log(`spool-mode saturation, ${rounds} interleaved rounds of ${duration} s, ${connections} connections, a search every ${searchEveryMs} ms (callbacks/s, median (min–max))`);
console.log(`  no console open:                        ${spread(results.none, 0)}`);
console.log(`  ${overviews} overviews refreshing + ${searchers} searching:  ${spread(results.console, 0)}   (console requests served/s: ${spread(served, 1)})`);
console.log(`  change: ${change >= 0 ? '+' : ''}${fmt(change, 1)} % (the bound is -5 %)`);
