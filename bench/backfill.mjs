// Backfill benchmark (`npm run build && node bench/backfill.mjs`): how long a backfill takes to fetch
// COUNT missed messages from a vendor's history stand-in at its configured rate limit, against the time
// the limit allows, and what it costs the callbacks arriving meanwhile. VENDOR=tencent (the default):
// Tencent group sequence gaps read from the group history (test/helpers/tencent-history-standin.ts: the
// documented 20 messages a call, UserSig checked), GROUPS groups, one gap each, recorded through
// POST /gaps. VENDOR=tencent-c2c: an outage window read back from Tencent's one-to-one roaming history
// (the same stand-in's admin_getroammsg: 100 messages a call, cut at about 13 KB), GROUPS pairs of
// accounts, recorded through POST /backfill. VENDOR=netease: an outage window read back from NetEase's one-to-one history
// (test/helpers/netease-history-standin.ts: querySessionMsg, 100 messages a call, CheckSum checked),
// GROUPS conversations, recorded through POST /backfill. Either stand-in is transpiled and run in this
// process, its own per-second limit set to RATE so a client that exceeds the quota is seen in
// `overLimit`. Each round
// runs signed callbacks at LOAD_RATE for the expected fill time twice, in alternating order: once alone,
// once right after COUNT missed messages were
// handed to the backfill; the next window waits until the fill is done and delivered to the file sink.
// Reports the fill time (until no gap is open) per round against calls / RATE (goal within ±10 %), and
// p50/p99 of callbacks (evenly paced open loop, lib/paced.js, on a thread of its own) alone and during the backfill, medians and
// ranges over the rounds, how late the load generator sent its requests (p99; counted in their latency:
// its thread shares the core with the stand-in, which is busy only during a fill, so it runs at nice
// LOAD_NICE, -10 unless given, ahead of the stand-in when the kernel allows it), and the CPU time the
// gateway and this script took while filling.
// Env: VENDOR (tencent, tencent-c2c or netease), COUNT (10000; the issue's figure is 100000), GROUPS (10: groups or
// conversations), RATE (the vendor's documented limit and the gateway's BACKFILL_<VENDOR>_RATE: 200
// for Tencent's group_msg_get_simple and admin_getroammsg, 100 for NetEase's history), LOAD_RATE (200), LOAD_NICE (-10), ROUNDS (3), CONNECTIONS (8), SETTLE (600),
// GATEWAY_CPUS (pin the gateway with taskset, e.g. 1), GATEWAY_NODE_ARGS (more Node flags for the gateway,
// space-separated), PROFILE_DIR (writes a CPU profile of the gateway there, node --cpu-prof, when it stops),
// ROUND_TRIP_MS (0: the stand-in answers each call this much later, as a vendor across a network would).
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import launchModule from './lib/launch.js';
import testHelpers from './lib/test-helpers.js';
import { sdkAppId, token } from './lib/load.mjs';
import { pacedLoadApart } from './lib/paced-apart.mjs';
import { fmt, spread } from './lib/stats.mjs';

const { launch, gatewayMain, gatewayNodeArgs, processUsage } = launchModule;
const { loadTestHelper } = testHelpers;
const require = createRequire(import.meta.url);

const vendor = process.env.VENDOR ?? 'tencent';
if (!['tencent', 'tencent-c2c', 'netease'].includes(vendor)) throw new Error(`VENDOR must be tencent, tencent-c2c or netease, not ${vendor}`);
const count = Number(process.env.COUNT ?? 10_000);
const groups = Number(process.env.GROUPS ?? 10);
const rate = Number(process.env.RATE ?? (vendor === 'netease' ? 100 : 200));
const loadRate = Number(process.env.LOAD_RATE ?? 200);
const loadNice = Number(process.env.LOAD_NICE ?? -10);
const rounds = Number(process.env.ROUNDS ?? 3);
const connections = Number(process.env.CONNECTIONS ?? 8);
const settle = Number(process.env.SETTLE ?? 600);
const roundTripMs = Number(process.env.ROUND_TRIP_MS ?? 0);
/** How the stand-in sends each answer: after the round trip asked for. */
const answerAfter = roundTripMs > 0 ? (send) => void setTimeout(send, roundTripMs) : undefined;
const started = new Date();
const dir = mkdtempSync(join(tmpdir(), 'imgw-backfillbench-'));


async function admin(method, path, body) {
  const { url, token: adminToken } = JSON.parse(readFileSync(join(dir, 'admin.json'), 'utf8'));
  const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

/** Resolves once the file sink has nothing pending (what a fill stored is delivered), or throws after SETTLE seconds. */
async function delivered() {
  const deadline = Date.now() + settle * 1000;
  while ((await admin('GET', '/stats')).sinks.find((x) => x.sink === 'file')?.pending > 0) {
    if (Date.now() > deadline) throw new Error(`the file sink did not catch up within ${settle} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Resolves with the ms until no gap of the vendor's kind is open, or throws after SETTLE seconds. Polled every 100 ms
 * (0.4 % of a 25 s fill): each poll is an admin request the gateway answers during the fill, which the
 * window alone does not have.
 */
async function filled(since) {
  const deadline = since + settle * 1000;
  for (;;) {
    const open = await admin('GET', `/gaps?kind=${scenario.gapKind}&state=open&limit=1`);
    if (open.items.length === 0) return Date.now() - since;
    if (Date.now() > deadline) throw new Error(`the backfill did not finish within ${settle} s: ${JSON.stringify(open.items[0])}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const perGroup = Math.ceil(count / groups);

/**
 * What differs between the vendors: the stand-in and the missed messages it holds, the gateway's
 * backfill settings, how a round's fill is asked for, the calls it needs at least, and how to count
 * the calls made and refused.
 */
async function tencentScenario() {
  const { startTencentHistoryStandin } = loadTestHelper('tencent-history-standin', dir);
  const standin = await startTencentHistoryStandin({ perSecond: rate, answerAfter });
  const now = Math.floor(Date.now() / 1000);
  for (let round = 0; round < rounds; round += 1) {
    for (let g = 0; g < groups; g += 1) for (let i = 0; i < perGroup; i += 1) standin.send(`@TGS#bench-${round}-${g}`, `user${i % 50}`, `missed ${i}`, now - 600 + (i % 600));
  }
  return {
    standin,
    what: 'group messages',
    perCall: 20,
    gapKind: 'sequence',
    api: 'tencent/group_msg_get_simple',
    // The load generator's app is the stand-in's.
    env: { TENCENT_SDKAPPIDS: String(standin.sdkAppId), BACKFILL_TENCENT_URL: standin.url, BACKFILL_TENCENT_ADMIN: standin.identifier, BACKFILL_TENCENT_KEY: standin.key, BACKFILL_TENCENT_RATE: String(rate) },
    calls: groups * Math.ceil(perGroup / 20),
    made: () => standin.calls,
    refused: () => standin.overLimit,
    async ask(round) {
      for (let g = 0; g < groups; g += 1) await admin('POST', '/gaps', { vendor: 'tencent', app: String(standin.sdkAppId), conversation: `@TGS#bench-${round}-${g}`, fromSeq: 1, untilSeq: perGroup });
    },
  };
}

async function neteaseScenario() {
  const { startNeteaseHistoryStandin } = loadTestHelper('netease-history-standin', dir);
  const standin = await startNeteaseHistoryStandin({ perSecond: rate, answerAfter });
  // Each round's conversations hold messages a millisecond apart, sent in the hour before the start.
  const base = Date.now() - 3_600_000;
  const pair = (round, c) => [`bench${round}a${c}`, `bench${round}b${c}`];
  for (let round = 0; round < rounds; round += 1) {
    for (let c = 0; c < groups; c += 1) {
      const [from, to] = pair(round, c);
      for (let i = 0; i < perGroup; i += 1) standin.send({ convType: 'PERSON', from: i % 2 === 0 ? from : to, to: i % 2 === 0 ? to : from, sendtime: base + i, text: `missed ${i}` });
    }
  }
  return {
    standin,
    what: 'one-to-one messages',
    perCall: 100,
    gapKind: 'window',
    api: 'netease/querySessionMsg',
    env: { TENCENT_SDKAPPIDS: sdkAppId, NETEASE_APP_KEY: standin.appKey, NETEASE_APP_SECRETS: standin.appSecret, BACKFILL_NETEASE_URL: standin.url, BACKFILL_NETEASE_SECRET: standin.appSecret, BACKFILL_NETEASE_RATE: String(rate) },
    // A conversation's pages, and one more that finds nothing after a full last page.
    calls: groups * (Math.floor(perGroup / 100) + 1),
    made: () => standin.requests.length,
    refused: () => standin.requests.filter((r) => r.code === 416).length,
    async ask(round) {
      const conversations = Array.from({ length: groups }, (_, c) => `user:${pair(round, c).join(':')}`);
      await admin('POST', '/backfill', { vendor: 'netease', app: standin.appKey, since: base, until: base + perGroup, conversations });
    },
  };
}

async function tencentC2CScenario() {
  const { startTencentHistoryStandin } = loadTestHelper('tencent-history-standin', dir);
  const standin = await startTencentHistoryStandin({ perSecond: rate, answerAfter });
  // Each round's pairs talk ten messages a second in the hour before the start.
  const base = Math.floor(Date.now() / 1000) - 3600;
  const pair = (round, c) => [`bench${round}a${c}`, `bench${round}b${c}`];
  let calls = 0;
  for (let round = 0; round < rounds; round += 1) {
    for (let c = 0; c < groups; c += 1) {
      const [a, b] = pair(round, c);
      const sent = [];
      for (let i = 0; i < perGroup; i += 1) sent.push(standin.sendC2C(i % 2 === 0 ? a : b, i % 2 === 0 ? b : a, `missed ${i}`, base + Math.floor(i / 10)));
      // The pages the stand-in answers (the documented 100 messages, cut at about 13 KB), newest first.
      if (round === 0) {
        for (let i = sent.length - 1; i >= 0; calls += 1) {
          let [taken, bytes] = [0, 0];
          while (i >= 0 && taken < 100) {
            const size = JSON.stringify(sent[i]).length;
            if (taken > 0 && bytes + size > 13 * 1024) break;
            [taken, bytes, i] = [taken + 1, bytes + size, i - 1];
          }
        }
      }
    }
  }
  return {
    standin,
    what: 'one-to-one messages',
    perCall: 100,
    gapKind: 'window',
    api: 'tencent/admin_getroammsg',
    env: { TENCENT_SDKAPPIDS: String(standin.sdkAppId), BACKFILL_TENCENT_URL: standin.url, BACKFILL_TENCENT_ADMIN: standin.identifier, BACKFILL_TENCENT_KEY: standin.key, BACKFILL_TENCENT_RATE: String(rate) },
    calls,
    made: () => standin.roamCalls,
    refused: () => standin.overLimit,
    async ask(round) {
      const conversations = Array.from({ length: groups }, (_, c) => `user:${pair(round, c).join(':')}`);
      await admin('POST', '/backfill', { vendor: 'tencent', app: String(standin.sdkAppId), since: base * 1000, until: (base + Math.ceil(perGroup / 10)) * 1000, conversations });
    },
  };
}

const scenario = vendor === 'netease' ? await neteaseScenario() : vendor === 'tencent-c2c' ? await tencentC2CScenario() : await tencentScenario();
const { standin, calls } = scenario;
const expectedSeconds = calls / rate;
let gateway;
try {
  writeFileSync(join(dir, 'sinks.json'), JSON.stringify({ sinks: [{ type: 'file', path: join(dir, 'out.jsonl') }] }));
  gateway = await launch(
    gatewayMain,
    { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, CONFIG_FILE: join(dir, 'sinks.json'), LOG_LEVEL: 'info', TENCENT_CALLBACK_TOKENS: token, ...scenario.env },
    { keepOutput: false, cpus: process.env.GATEWAY_CPUS, nodeArgs: [...gatewayNodeArgs, ...(process.env.GATEWAY_NODE_ARGS ?? '').split(' ').filter(Boolean), ...(process.env.PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROFILE_DIR}`] : [])] },
  );
  const windowSeconds = Math.max(2, Math.round(expectedSeconds));
  const results = { alone: [], backfill: [] };
  const fills = [];
  const loads = [loadavg()[0]];
  for (let round = 0; round < rounds; round += 1) {
    for (const kind of round % 2 === 0 ? ['alone', 'backfill'] : ['backfill', 'alone']) {
      let fill;
      if (kind === 'backfill') {
        const since = Date.now();
        const callsBefore = scenario.made();
        await scenario.ask(round);
        const cpu = { gateway: processUsage(gateway.child.pid).cpuMs, script: process.cpuUsage() };
        fill = filled(since).then((ms) => {
          const script = process.cpuUsage(cpu.script);
          return { ms, calls: scenario.made() - callsBefore, gatewayCpu: processUsage(gateway.child.pid).cpuMs - cpu.gateway, scriptCpu: (script.user + script.system) / 1000 };
        });
        // Awaited after the load window; a failure before then must not end the process unhandled,
        // past the `finally` that stops the gateway.
        fill.catch(() => undefined);
      }
      // On a thread of its own: the stand-in's pages, built on this one, must not hold up the callbacks' timing.
      const r = await pacedLoadApart({ port: gateway.port, connections, duration: windowSeconds, rate: loadRate, priority: loadNice });
      results[kind].push(r);
      // The next window starts once this fill is done and delivered, so no "alone" window overlaps it.
      if (fill) fills.push(await fill);
      if (fill) await delivered();
      loads.push(loadavg()[0]);
      console.error(`round ${round + 1} ${kind}: p50 ${fmt(r.latency.p50)} ms, p99 ${fmt(r.latency.p99)} ms, sent late p99 ${fmt(r.sendLag.p99)} max ${fmt(r.sendLag.max)} ms, ok ${r.okReplies}/${r.requests.scheduled}${fill ? `, filled in ${fmt(fills.at(-1).ms / 1000)} s` : ''}`);
    }
  }
  const p = (kind, q) => results[kind].map((r) => r.latency[q]);
  const ratio = fills.map((f) => f.ms / 1000 / expectedSeconds);
  // The file sink rotates at 100 MiB (out.jsonl.1, .2, …): count every file.
  const archived = readdirSync(dir).filter((name) => name.startsWith('out.jsonl')).reduce((sum, name) => sum + readFileSync(join(dir, name), 'utf8').split('\n').filter((line) => line.includes(`"backfill":"${scenario.api}"`)).length, 0);
  console.log([
    `Command: \`node bench/backfill.mjs\` (VENDOR=${vendor} COUNT=${count} GROUPS=${groups} RATE=${rate} LOAD_RATE=${loadRate} ROUNDS=${rounds} CONNECTIONS=${connections} LOAD_NICE=${loadNice}${roundTripMs > 0 ? ` ROUND_TRIP_MS=${roundTripMs}` : ''}), ${started.toISOString().slice(0, 10)}, Node ${process.version}.`,
    '',
    `Fill of ${fmt(count, 0)} missed ${scenario.what} (${fmt(calls, 0)} calls of up to ${scenario.perCall} at ${rate}/s: ${fmt(expectedSeconds)} s allowed): ${spread(fills.map((f) => f.ms / 1000))} s; time / allowed ${spread(ratio)} (goal 0.9–1.1).`,
    `The load generator's thread ran at nice ${[...new Set([...results.alone, ...results.backfill].map((r) => r.priority))].join(', ')} (LOAD_NICE ${loadNice}; without the right to raise its priority it keeps the process's).`,
    `CPU while filling, share of the fill time: the gateway ${spread(fills.map((f) => f.gatewayCpu / f.ms))}, this script (stand-in and load) ${spread(fills.map((f) => f.scriptCpu / f.ms))}.`,
    `History calls per round: ${fills.map((f) => f.calls).join(', ')}; refused by the stand-in's limit: ${scenario.refused()}; backfilled events delivered to the file sink: ${fmt(archived, 0)} of ${fmt(perGroup * groups * rounds, 0)}.`,
    '',
    '| Callbacks | p50 ms | p99 ms | sent late, p99 ms | OK |',
    '| --- | --- | --- | --- | --- |',
    ...['alone', 'backfill'].map((kind) => `| ${kind === 'alone' ? 'alone' : 'during the backfill'} | ${spread(p(kind, 'p50'))} | ${spread(p(kind, 'p99'))} | ${spread(results[kind].map((r) => r.sendLag.p99))} | ${results[kind].map((r) => `${r.okReplies}/${r.requests.scheduled}`).join(', ')} |`),
    '',
    `p99 during / alone, per round: ${results.backfill.map((r, i) => fmt(r.latency.p99 / results.alone[i].latency.p99)).join(', ')}.`,
    `Load average (1 min) at the start and after each window: ${loads.map((x) => fmt(x)).join(', ')} (2 cores, shared; the stand-in runs in this process, the load generator on a thread of its own).`,
  ].join('\n'));
} catch (error) {
  if (gateway) console.error(`the gateway's last output:\n${gateway.output()}`);
  throw error;
} finally {
  await gateway?.stop().catch(() => undefined);
  await standin.close();
  rmSync(dir, { recursive: true, force: true });
}
