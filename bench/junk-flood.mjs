// Unauthenticated load: does a flood of unsigned junk cost genuine callbacks their answers?
// One gateway (Tencent, NetEase and Easemob configured, INGEST_RATE_LIMIT=50). A flooder sends unsigned
// junk to the three callback paths in turn at JUNK_RATE (360/s in all) from 127.0.0.2, while a genuine sender
// sends signed callbacks to each vendor at 10/s from 127.0.0.1, GENUINE callbacks per vendor (98). Each
// round starts a fresh gateway per build (DIST, comma-separated; side by side, order alternating) and
// stops by itself when the schedule is over (replies still open after 10 s count as failed).
// Prints per build and vendor the genuine callbacks answered 200 (median and range over ROUNDS), and the
// junk's answers. Exit code 1 when the first build lets a genuine callback go unanswered with 200.
// Usage: npm run build && node bench/junk-flood.mjs   (env: ROUNDS=3, DIST=dist, JUNK_RATE=360, GENUINE=98)
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launch, root } from './lib/launch.js';

const rounds = Number(process.env.ROUNDS ?? 3);
const dists = (process.env.DIST ?? 'dist').split(',').map((d) => resolve(root, d));
const junkRate = Number(process.env.JUNK_RATE ?? 360);
const genuinePerVendor = Number(process.env.GENUINE ?? 98);
const vendors = ['tencent', 'netease', 'easemob'];
const secrets = { tencent: 'bench-token', netease: 'bench-secret', easemob: 'bench-secret' };
const md5 = (text) => createHash('md5').update(text).digest('hex');
const fixture = (path) => JSON.parse(readFileSync(join(root, 'test/fixtures', path), 'utf8'));
const tencent = fixture('tencent/c2c-after-send-official.json');
const easemob = fixture('easemob/chat-txt.json');
const netease = readFileSync(join(root, 'test/fixtures/netease/n1-p2p-text.body'), 'utf8');
const run = Date.now().toString(36);

/** The `i`th genuine callback of a vendor, signed now: `[path, headers, body]`. */
function genuine(vendor, i) {
  if (vendor === 'tencent') {
    const time = String(Math.floor(Date.now() / 1000));
    const query = new URLSearchParams({ ...tencent.query, Sign: createHash('sha256').update(secrets.tencent + time).digest('hex'), RequestTime: time });
    return [`/tencent/callback?${query}`, {}, JSON.stringify({ ...tencent.body, MsgKey: `flood_${run}_${i}` })];
  }
  if (vendor === 'netease') {
    const body = netease.replace(/"msgidServer":"\d+"/, `"msgidServer":"${Date.now()}${i}"`);
    const curTime = String(Date.now());
    const bodyMd5 = md5(body);
    const checksum = createHash('sha1').update(secrets.netease + bodyMd5 + curTime).digest('hex');
    return ['/netease/callback', { curtime: curTime, md5: bodyMd5, checksum }, body];
  }
  const body = { ...easemob, msg_id: `${run}${i}`, callId: `${easemob.callId}${run}${i}`, timestamp: Date.now() };
  return ['/easemob/callback', {}, JSON.stringify({ ...body, security: md5(`${body.callId}${secrets.easemob}${body.timestamp}`) })];
}

const junkPath = (vendor) => (vendor === 'tencent' ? `/tencent/callback?${new URLSearchParams(tencent.query)}` : `/${vendor}/callback`);

/** One request; resolves with its status, or `error` (network error, or no whole reply within 10 s). */
function post(port, agent, localAddress, [path, headers, body]) {
  return new Promise((done) => {
    let settled = false;
    const finish = (outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      done(outcome);
    };
    const payload = Buffer.from(body);
    const req = request({ host: '127.0.0.1', port, agent, localAddress, method: 'POST', path, headers: { 'content-type': 'application/json', 'content-length': payload.length, ...headers } }, (res) => {
      res.resume();
      res.on('end', () => finish(res.statusCode));
      res.on('close', () => finish(res.complete ? res.statusCode : 'error'));
    });
    const deadline = setTimeout(() => {
      req.destroy();
      finish('timeout');
    }, 10_000);
    req.on('error', (error) => finish(`error ${error.code ?? error.message}`));
    req.end(payload);
  });
}

/** Sends `count` requests evenly spread at `rate`/s; resolves with the tally of their answers. */
async function paced(rate, count, send) {
  const started = performance.now();
  const replies = [];
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    replies.push(send(i));
  }
  const tally = {};
  for (const status of await Promise.all(replies)) tally[status] = (tally[status] ?? 0) + 1;
  return tally;
}

async function measure(build) {
  const dataDir = mkdtempSync(join(tmpdir(), 'imgw-flood-'));
  const env = {
    PORT: '0', HOST: '0.0.0.0', DATA_DIR: dataDir, INGEST_RATE_LIMIT: '50',
    TENCENT_SDKAPPIDS: tencent.query.SdkAppid, TENCENT_CALLBACK_TOKENS: secrets.tencent, NETEASE_APP_SECRETS: secrets.netease, EASEMOB_CALLBACK_SECRETS: secrets.easemob,
  };
  const gateway = await launch(join(build, 'main.js'), env, { keepOutput: false });
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const junkAgent = new Agent({ keepAlive: true, maxSockets: 64 });
  try {
    const seconds = genuinePerVendor / 10;
    const started = performance.now();
    const tallies = await Promise.all([
      ...vendors.map((vendor) => paced(10, genuinePerVendor, (i) => post(gateway.port, agent, '127.0.0.1', genuine(vendor, i)))),
      paced(junkRate, Math.round(junkRate * seconds), (i) => post(gateway.port, junkAgent, '127.0.0.2', [junkPath(vendors[i % 3]), {}, '{"junk":true}'])),
    ]);
    const junkSent = Math.round(junkRate * seconds);
    return { genuine: Object.fromEntries(vendors.map((v, i) => [v, tallies[i]])), junk: tallies[3], junkPerSecond: Math.round(junkSent / ((performance.now() - started) / 1000)) };
  } finally {
    agent.destroy();
    junkAgent.destroy();
    await gateway.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const samples = new Map(dists.map((d) => [d, []]));
for (let round = 0; round < rounds; round++) {
  for (const build of round % 2 === 0 ? dists : [...dists].reverse()) samples.get(build).push(await measure(build));
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(`${rounds} rounds; junk ${junkRate}/s over the three paths from 127.0.0.2; ${genuinePerVendor} genuine callbacks per vendor at 10/s from 127.0.0.1; INGEST_RATE_LIMIT=50`);
let failed = false;
for (const [build, runs] of samples) {
  for (const vendor of vendors) {
    const ok = runs.map((r) => r.genuine[vendor][200] ?? 0);
    if (build === dists[0] && ok.some((n) => n !== genuinePerVendor)) failed = true;
    console.log(`${build.replace(root, '.')} ${vendor.padEnd(8)} genuine 200: median ${median(ok)}/${genuinePerVendor} (range ${Math.min(...ok)}–${Math.max(...ok)}); answers ${runs.map((r) => JSON.stringify(r.genuine[vendor])).join(' ')}`);
  }
  console.log(`${build.replace(root, '.')} junk per round (sent/s incl. replies still due, answers): ${runs.map((r) => `${r.junkPerSecond}/s ${JSON.stringify(r.junk)}`).join('; ')}`);
}
process.exit(failed ? 1 : 0);
