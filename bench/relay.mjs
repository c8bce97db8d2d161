// Easemob relay against the stand-in (test/helpers/easemob-standin.ts), the built gateway relaying
// messages already committed to its spool. SCENARIO picks what is measured:
//   throughput (default): COUNT one-to-one messages under the documented quotas (users: 100 calls/s and
//     6,000 messages/min); it should run at the quota, not above it (no 429/403) and not far below it.
//   hang: 20 messages to a user and a chat room (40 sends); the stand-in takes every send but holds
//     its answers for HOLD_MS (6000), then answers; sends received, accepted, duplicates.
//   nodata: 20 messages (40 sends), every send accepted and answered 200 without `data`.
//   kill: 40 messages in 10 conversations (parallelSends 8, 10 calls/s); kill -9 KILLS (10) times,
//     each once a few more sends were accepted; duplicates after the last start.
//   TARGET=tencent|netease: the same throughput run against the Tencent stand-in (200 calls/s per
//     command, sendmsg) or the NetEase stand-in (100 calls/s per API by default, sendMsg.action); with
//     SCENARIO=kill the kill run above against that stand-in (its one-to-one quota set to 10 calls/s).
// Usage: npm run build && node bench/relay.mjs   (env: SCENARIO, TARGET=easemob, COUNT=1500, HOLD_MS=6000,
//   GATEWAY_CPUS: pin the gateway with taskset, e.g. 1,
//   KILLS=10, REQUEST_TIMEOUT_MS: the sink's requestTimeoutMs, default 5000)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { launch, gatewayMain } = require('./lib/launch.js');
const { loadTestHelper } = require('./lib/test-helpers.js');
const { openSpool } = require(join(root, 'dist', 'pipeline', 'spool.js'));
const scenario = process.env.SCENARIO ?? 'throughput';
const count = Number(process.env.COUNT ?? (scenario === 'throughput' ? 1500 : scenario === 'kill' ? 40 : 20));
const relayKey = 'bench-relay-key-0123456789abcdef0123456789abcdef';
const tmp = mkdtempSync(join(tmpdir(), 'imgw-relaybench-'));

const target = process.env.TARGET ?? 'easemob';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A vendor's stand-in (test/helpers/<name>-standin.ts) in this process. */
const loadStandin = (name = 'easemob') => loadTestHelper(`${name}-standin`, tmp);

if (target !== 'easemob') {
  await otherTarget(target);
  process.exit(0);
}

const { startEasemobStandin } = loadStandin();
const standin = await startEasemobStandin();
const spool = openSpool({ path: join(tmp, 'spool.db'), sinks: ['easemob'] });
const now = Date.now();
await Promise.all(
  Array.from({ length: count }, (_, i) => {
    const message = { version: 1, vendor: 'tencent', appId: '1400000001', eventId: `bench-${i}`, messageId: `${i}_1_1767225601`, conversation: 'one-to-one', from: 'alice', to: `user${i % (scenario === 'kill' ? 10 : 500)}`, sentAt: new Date(now).toISOString(), elements: [{ kind: 'text', vendorType: 'TIMTextElem', text: `message ${i}` }] };
    const attributes = { specversion: '1.0', id: message.eventId, source: 'tencent-im/1400000001', type: 'com.tencent.im.C2C.CallbackAfterSendMsg', time: message.sentAt, datacontenttype: 'application/json', vendor: 'tencent', command: 'C2C.CallbackAfterSendMsg' };
    return spool.append({ attributes, data: '{}', message: JSON.stringify(message) }, now);
  }),
);
spool.close();
const config = join(tmp, 'config.json');
const targets = scenario === 'hang' || scenario === 'nodata' ? { users: { mode: 'same' }, chatrooms: ['moderation'] } : { users: { mode: 'same' } };
const quotas = scenario === 'kill' ? { users: { callsPerSecond: 10 } } : undefined;
writeFileSync(config, JSON.stringify({ sinks: [{ type: 'easemob', name: 'easemob', baseUrl: standin.url, appKey: standin.appKey, clientId: standin.clientId, clientSecret: standin.clientSecret, targets, ...(quotas ? { quotas } : {}), ...(process.env.REQUEST_TIMEOUT_MS ? { requestTimeoutMs: Number(process.env.REQUEST_TIMEOUT_MS) } : {}) }] }));
const env = { HOST: '127.0.0.1', PORT: '0', DATA_DIR: tmp, CONFIG_FILE: config, LOG_LEVEL: 'info', RELAY_KEY: relayKey };
const sends = count * (scenario === 'hang' || scenario === 'nodata' ? 2 : 1);
/** Accepted sends per (event, endpoint): more than one is a duplicate. */
const duplicates = () => standin.accepted.length - new Set(standin.accepted.map((a) => `${a.request.ext.imgw_relay.eventId} ${a.endpoint}`)).size;
const mostCopies = () => {
  const counts = new Map();
  for (const a of standin.accepted) counts.set(`${a.request.ext.imgw_relay.eventId} ${a.endpoint}`, (counts.get(`${a.request.ext.imgw_relay.eventId} ${a.endpoint}`) ?? 0) + 1);
  return Math.max(0, ...counts.values());
};

if (scenario !== 'throughput') {
  const started = Date.now();
  let kills = 0;
  if (scenario === 'hang') standin.hold();
  if (scenario === 'nodata') standin.respond(...Array.from({ length: sends * 3 }, () => ({ status: 200, body: { action: 'post' }, acceptThenAnswer: true })));
  let gateway = await launch(gatewayMain, env, { keepOutput: false, cpus: process.env.GATEWAY_CPUS });
  if (scenario === 'hang') {
    await sleep(Number(process.env.HOLD_MS ?? 6000));
    standin.release();
  }
  if (scenario === 'kill') {
    for (; kills < Number(process.env.KILLS ?? 10); kills++) {
      const before = standin.accepted.length;
      while (standin.accepted.length < before + 3 && new Set(standin.accepted.map((a) => a.request.ext.imgw_relay.eventId)).size < count) await sleep(5);
      await gateway.stop('SIGKILL');
      gateway = await launch(gatewayMain, env, { keepOutput: false, cpus: process.env.GATEWAY_CPUS });
    }
  }
  const distinct = () => new Set(standin.accepted.map((a) => `${a.request.ext.imgw_relay.eventId} ${a.endpoint}`)).size;
  while (distinct() < sends && Date.now() - started < 120_000) await sleep(50);
  await sleep(1000); // late resends, if any, still arrive
  await gateway.stop();
  console.log(JSON.stringify({ scenario, messages: count, sends, kills, sendsReceived: standin.sendRequests().length, accepted: standin.accepted.length, delivered: distinct(), duplicates: duplicates(), mostCopiesOfOneSend: mostCopies(), seconds: Math.round((Date.now() - started) / 100) / 10 }));
  await standin.close();
  rmSync(tmp, { recursive: true, force: true });
  process.exit(0);
}

const gateway = await launch(gatewayMain, env, { keepOutput: false, cpus: process.env.GATEWAY_CPUS });
const started = Date.now();
while (standin.accepted.length < count && Date.now() - started < count * 100) await new Promise((resolve) => setTimeout(resolve, 1000));
const seconds = (Date.now() - started) / 1000;
await gateway.stop();
const refused = standin.sendRequests().filter((r) => r.status !== 200);
const { median, max } = clockSeconds(standin.sendRequests().filter((r) => r.status === 200).map((r) => r.at));
console.log(
  JSON.stringify({
    messages: standin.accepted.length,
    seconds: Math.round(seconds * 10) / 10,
    messagesPerSecond: Math.round((standin.accepted.length / seconds) * 10) / 10,
    medianFullSecond: median,
    maxSecond: max,
    quota: '100 calls/s, 6000 messages/min',
    refusedByStandin: refused.length,
    duplicates: duplicates(),
    tokenRequests: standin.tokenRequests().length,
  }),
);
await standin.close();
rmSync(tmp, { recursive: true, force: true });

/** COUNT one-to-one messages relayed to the Tencent or NetEase stand-in at its default quota; messages per full second, refusals, duplicates. */
async function otherTarget(name) {
  const { startTencentStandin, startNeteaseStandin } = loadStandin(name);
  const standin = name === 'tencent' ? await startTencentStandin() : await startNeteaseStandin();
  const spool = openSpool({ path: join(tmp, 'spool.db'), sinks: [name] });
  const now = Date.now();
  await Promise.all(
    Array.from({ length: count }, (_, i) => {
      const message = { version: 1, vendor: 'easemob', appId: 'acme#chatapp', eventId: `bench-${i}`, messageId: `m${i}`, conversation: 'one-to-one', from: 'alice', to: `user${i % (scenario === 'kill' ? 10 : 500)}`, sentAt: new Date(now).toISOString(), elements: [{ kind: 'text', vendorType: 'txt', text: `message ${i}` }] };
      const attributes = { specversion: '1.0', id: message.eventId, source: 'easemob/acme#chatapp', type: 'com.easemob.im.chat', time: message.sentAt, datacontenttype: 'application/json', vendor: 'easemob' };
      return spool.append({ attributes, data: '{}', message: JSON.stringify(message) }, now);
    }),
  );
  spool.close();
  const quotas = scenario === 'kill' ? { quotas: name === 'tencent' ? { sendmsg: { callsPerSecond: 10 } } : { p2p: { callsPerSecond: 10 } } } : {};
  const sink =
    name === 'tencent'
      ? { type: 'tencent', name, baseUrl: standin.url, sdkAppId: standin.sdkAppId, secretKey: standin.secretKey, targets: { users: { mode: 'same' } }, ...quotas }
      : { type: 'netease', name, baseUrl: standin.url, appKey: standin.appKey, appSecret: standin.appSecret, targets: { users: { mode: 'same' } }, ...quotas };
  const config = join(tmp, 'config.json');
  writeFileSync(config, JSON.stringify({ sinks: [sink] }));
  const eventIdOf = (a) => JSON.parse(name === 'tencent' ? a.body.CloudCustomData : a.form.ext).imgw_relay.eventId;
  const env = { HOST: '127.0.0.1', PORT: '0', DATA_DIR: tmp, CONFIG_FILE: config, LOG_LEVEL: 'info', RELAY_KEY: relayKey };
  if (scenario === 'kill') return killRun(standin, env, eventIdOf);
  const gateway = await launch(gatewayMain, env, { keepOutput: false, cpus: process.env.GATEWAY_CPUS });
  const started = Date.now();
  while (standin.accepted.length < count && Date.now() - started < count * 100) await new Promise((resolve) => setTimeout(resolve, 1000));
  const seconds = (Date.now() - started) / 1000;
  await gateway.stop();
  const { median, max } = clockSeconds(standin.accepted.map((a) => a.at));
  console.log(
    JSON.stringify({
      target: name,
      messages: standin.accepted.length,
      seconds: Math.round(seconds * 10) / 10,
      messagesPerSecond: Math.round((standin.accepted.length / seconds) * 10) / 10,
      medianFullSecond: median,
      maxSecond: max,
      quota: name === 'tencent' ? '200 calls/s (sendmsg)' : '100 calls/s (sendMsg.action, default)',
      refusedByStandin: standin.answers.filter((a) => a.code !== 0 && a.code !== 200).length,
      duplicates: standin.accepted.length - new Set(standin.accepted.map(eventIdOf)).size,
    }),
  );
  await standin.close();
  rmSync(tmp, { recursive: true, force: true });
}

/** SCENARIO=kill against the Tencent or NetEase stand-in: kill -9 KILLS times, each once 3 more sends were accepted; lost sends and duplicates. */
async function killRun(standin, env, eventIdOf) {
  const started = Date.now();
  const distinct = () => new Set(standin.accepted.map(eventIdOf)).size;
  let gateway = await launch(gatewayMain, env, { keepOutput: false, cpus: process.env.GATEWAY_CPUS });
  let kills = 0;
  for (; kills < Number(process.env.KILLS ?? 10); kills++) {
    const before = standin.accepted.length;
    while (standin.accepted.length < before + 3 && distinct() < count) await sleep(5);
    await gateway.stop('SIGKILL');
    gateway = await launch(gatewayMain, env, { keepOutput: false, cpus: process.env.GATEWAY_CPUS });
  }
  while (distinct() < count && Date.now() - started < 120_000) await sleep(50);
  await sleep(1000); // late resends, if any, still arrive
  await gateway.stop();
  const copies = new Map();
  for (const a of standin.accepted) copies.set(eventIdOf(a), (copies.get(eventIdOf(a)) ?? 0) + 1);
  console.log(JSON.stringify({ target: target, scenario, messages: count, kills, accepted: standin.accepted.length, delivered: distinct(), lost: count - distinct(), duplicates: standin.accepted.length - distinct(), mostCopiesOfOneSend: Math.max(0, ...copies.values()), seconds: Math.round((Date.now() - started) / 100) / 10 }));
  await standin.close();
  rmSync(tmp, { recursive: true, force: true });
}

/**
 * Calls the stand-in accepted in each second of the clock (the fixed windows it counts its quota in),
 * from its own timestamps: the median over the full seconds (the first and last are partial) and the
 * busiest second. A count taken by a timer in this process would stretch a second whenever the timer
 * fired late.
 */
function clockSeconds(times) {
  const counts = new Map();
  for (const at of times) counts.set(Math.floor(at / 1000), (counts.get(Math.floor(at / 1000)) ?? 0) + 1);
  const first = Math.min(...counts.keys());
  const last = Math.max(...counts.keys());
  const full = Array.from({ length: Math.max(0, last - first - 1) }, (_, i) => counts.get(first + 1 + i) ?? 0).sort((a, b) => a - b);
  return { median: full.length ? full[Math.floor(full.length / 2)] : undefined, max: Math.max(0, ...counts.values()) };
}
