// Worst-case body benchmark: CPU time and peak memory of turning one authenticated ~1 MiB Tencent body
// into an event (or a quarantine verdict), for hostile bodies next to ordinary ones of the same size.
// Every measurement runs in a fresh child process (so peak memory is that body's alone), the cases are
// interleaved in every round, and the medians over the rounds are printed.
// Usage: npm run build && node bench/worst-case-body.mjs   (env: ROUNDS=5, DIST=dist)
import { execFileSync, fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { send, serve, unauthenticatedCases, warmUps } from './lib/unauthenticated.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dists = (process.env.DIST ?? 'dist').split(',').map((d) => resolve(root, d));
const dist = dists[0];
const parts = (process.env.PARTS ?? 'body,http').split(',');
const rounds = Number(process.env.ROUNDS ?? 5);
const MiB = 1024 * 1024;
const fixture = (name) => JSON.parse(readFileSync(join(root, 'test/fixtures/tencent', `${name}.json`), 'utf8'));
const text = fixture('c2c-after-send-text');
const relay = fixture('c2c-after-send-relay');

/** `[0,0,0,…]` of about `bytes` bytes. */
const zeros = (bytes) => `[${Array(Math.floor(bytes / 2)).fill('0').join(',')}]`;
/** The after-send body with `MsgBody` replaced by raw JSON text. */
const withBody = (msgBodyJson) => JSON.stringify({ ...text.body, MsgBody: '\u0000' }).replace('"\\u0000"', msgBodyJson);
const element = (type, content) => `[{"MsgType":"${type}","MsgContent":${content}}]`;
/** A TIMRelayElem whose single forwarded message holds another one, `depth` levels deep. */
function nestedRelay(depth) {
  const head = '{"MsgType":"TIMRelayElem","MsgContent":{"MsgNum":1,"MsgList":[{"From_Account":"a","MsgBody":[';
  const tail = ']}]}}';
  return `[${head.repeat(depth)}{"MsgType":"TIMTextElem","MsgContent":{"Text":"x"}}${tail.repeat(depth)}]`;
}

/** Every case: the query and the body bytes. The ordinary ones are valid messages of about 1 MiB. */
const cases = {
  'ordinary: 1 MiB text': () => [text.query, JSON.stringify({ ...text.body, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'x'.repeat(MiB) } }] })],
  'ordinary: 1 MiB of small values': () => [
    { ...text.query, CallbackCommand: 'Sns.CallbackFriendAdd' },
    JSON.stringify({ CallbackCommand: 'Sns.CallbackFriendAdd', PairList: Array.from({ length: MiB / 48 }, (_, i) => ({ From_Account: `u${i}`, To_Account: `v${i}` })) }),
  ],
  'ordinary: relay of 1 MiB': () => [relay.query, JSON.stringify({ ...relay.body, MsgBody: [{ ...relay.body.MsgBody[0], MsgContent: { ...relay.body.MsgBody[0].MsgContent, AbstractList: ['y'.repeat(MiB)] } }] })],
  'hostile: MsgBody [0,0,…]': () => [text.query, withBody(zeros(MiB))],
  'hostile: ImageInfoArray [0,0,…]': () => [text.query, withBody(element('TIMImageElem', `{"UUID":"u","ImageInfoArray":${zeros(MiB)}}`))],
  'hostile: AbstractList [0,0,…]': () => [text.query, withBody(element('TIMRelayElem', `{"JsonMsgKey":"k","AbstractList":${zeros(MiB)}}`))],
  'hostile: MsgList [0,0,…]': () => [text.query, withBody(element('TIMRelayElem', `{"MsgList":${zeros(MiB)}}`))],
  'hostile: 7,000 relays of 50 zeros': () => [text.query, withBody(`[${Array(7_000).fill(`{"MsgType":"TIMRelayElem","MsgContent":{"MsgList":${zeros(100)}}}`).join(',')}]`)],
  'hostile: 1,000 images of 7 zero sizes': () => [text.query, withBody(`[${Array(1_000).fill('{"MsgType":"TIMImageElem","MsgContent":{"UUID":"u","ImageInfoArray":[0,0,0,0,0,0,0]}}').join(',')}]`)],
  'hostile: relay nested 1,000 deep': () => [text.query, withBody(nestedRelay(1_000))],
  'hostile: relay nested 10,000 deep': () => [text.query, withBody(nestedRelay(10_000))],
};

/**
 * The function under test: the Tencent vendor's `toEvent` when the build has the vendor module,
 * else the parse and map functions it is made of.
 */
async function intakeOf() {
  const index = join(dist, 'vendors/tencent/index.js');
  if (existsSync(index)) {
    const { tencentVendor } = await import(pathToFileURL(index).href);
    const vendor = tencentVendor.create(tencentVendor.settings(tencentEnv()), { clock: () => Date.now() });
    return (query, body) => {
      const intake = vendor.toEvent({ query: new URLSearchParams(query), headers: {} }, body, Date.now());
      return intake.kind === 'invalid' ? `invalid: ${intake.detail}` : intake.kind;
    };
  }
  const { parseTencentBody } = await import(pathToFileURL(join(dist, 'vendors/tencent/intake.js')).href);
  const { parseTencentQuery } = await import(pathToFileURL(join(dist, 'vendors/tencent/query.js')).href);
  const { tencentEvent } = await import(pathToFileURL(join(dist, 'vendors/tencent/to-event.js')).href);
  return (query, body) => {
    const q = parseTencentQuery(new URLSearchParams(query));
    const parsed = parseTencentBody(body, q);
    if (!parsed.ok) return `invalid: ${parsed.detail}`;
    tencentEvent(q, parsed.body, parsed.text, Date.now());
    return 'event';
  };
}

/** The vendor's settings from an empty environment (no allow-list, no token: the body path only). */
function tencentEnv() {
  return {};
}

async function child(name) {
  const intake = await intakeOf();
  const [query, json] = cases[name]();
  const body = Buffer.from(json);
  const warm = cases['ordinary: 1 MiB text']();
  intake(warm[0], Buffer.from(warm[1]));
  globalThis.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const cpuBefore = process.cpuUsage();
  let outcome;
  try {
    outcome = intake(query, body);
  } catch (error) {
    outcome = `THREW ${error?.name}: ${String(error?.message).slice(0, 80)}`;
  }
  const cpu = process.cpuUsage(cpuBefore);
  const peakMiB = (process.resourceUsage().maxRSS * 1024 - rssBefore) / MiB;
  process.stdout.write(JSON.stringify({ bytes: body.length, cpuMs: (cpu.user + cpu.system) / 1000, peakMiB: Math.max(0, peakMiB), outcome }));
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const range = (values) => `${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)}`;

function bodyPart() {
  const names = Object.keys(cases);
  const samples = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const name of order) {
      const out = execFileSync(process.execPath, ['--expose-gc', '--stack-size=984', fileURLToPath(import.meta.url), 'child', name], { encoding: 'utf8', maxBuffer: 16 * MiB });
      samples[name].push(JSON.parse(out));
    }
  }
  console.log(`${rounds} rounds, medians; ${dist}`);
  console.log(`${'case'.padEnd(38)} ${'KiB'.padStart(6)} ${'CPU ms'.padStart(8)} ${'peak MiB'.padStart(9)}  outcome`);
  for (const name of names) {
    const s = samples[name];
    const cpu = median(s.map((x) => x.cpuMs));
    const peak = median(s.map((x) => x.peakMiB));
    console.log(`${name.padEnd(38)} ${String(Math.round(s[0].bytes / 1024)).padStart(6)} ${cpu.toFixed(1).padStart(8)} ${peak.toFixed(1).padStart(9)}  ${s[0].outcome.slice(0, 110)}`);
  }
}

/** One unauthenticated request against a fresh gateway process built from `build`. */
async function measureRequest(build, vendor, request) {
  const child = fork(fileURLToPath(import.meta.url), ['serve', build], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = () => new Promise((res, rej) => {
    child.once('message', res);
    child.once('exit', (code) => rej(new Error(`gateway exited with ${code}`)));
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  try {
    const { port } = await next();
    for (const warmUp of warmUps) await send(port, vendor, warmUp);
    child.send('mark');
    await next();
    const reply = await send(port, vendor, request);
    child.send('report');
    return { ...(await next()), reply };
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

async function httpPart() {
  const requests = Object.fromEntries(Object.entries(unauthenticatedCases).map(([name, build]) => [name, build()]));
  const keys = dists.flatMap((build) => Object.keys(requests).flatMap((name) => ['netease', 'easemob'].map((vendor) => ({ build, name, vendor }))));
  const samples = new Map(keys.map((key) => [key, []]));
  for (let round = 0; round < rounds; round++) {
    for (const key of round % 2 === 0 ? keys : [...keys].reverse()) samples.get(key).push(await measureRequest(key.build, key.vendor, requests[key.name]));
  }
  console.log(`\nRequests without credentials: ${rounds} rounds, gateway process CPU ms and peak MiB above its RSS before, median (range)`);
  for (const key of keys) {
    const s = samples.get(key);
    const cpu = s.map((x) => x.cpuMs);
    const peak = s.map((x) => x.peakMiB);
    const label = `${dists.length > 1 ? `${key.build.replace(root, '.')} ` : ''}${key.vendor} ${key.name} (${Math.round(requests[key.name][1].length / 1024)} KiB)`;
    console.log(`${label.padEnd(70)} ${median(cpu).toFixed(1).padStart(8)} (${range(cpu)}) ${median(peak).toFixed(1).padStart(7)} (${range(peak)})  ${s[0].reply.replace(/\s+/g, ' ').slice(0, 90)}`);
  }
}

async function parent() {
  if (parts.includes('body')) bodyPart();
  if (parts.includes('http')) await httpPart();
}

if (process.argv[2] === 'child') await child(process.argv[3]);
else if (process.argv[2] === 'serve') await serve(process.argv[3]);
else await parent();
