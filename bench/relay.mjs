// Easemob relay throughput: the built gateway relays COUNT one-to-one messages, already committed to
// its spool, to the Easemob stand-in (test/helpers/easemob-standin.ts) under the default, documented
// quotas (users: 100 calls/s and 6,000 messages/min). It should run at the quota: not above it (no 429
// or 403 from the stand-in) and not far below it. Reports messages/s overall and per second.
// Usage: npm run build && node bench/relay.mjs   (env: COUNT=1500)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { launch, gatewayMain } = require('./lib/launch.js');
const { openSpool } = require(join(root, 'dist', 'pipeline', 'spool.js'));
const count = Number(process.env.COUNT ?? 1500);
const tmp = mkdtempSync(join(tmpdir(), 'imgw-relaybench-'));

/** The stand-in is a TypeScript test helper with only type imports: transpile it once to CommonJS. */
function loadStandin() {
  const ts = require('typescript');
  const { readFileSync } = require('node:fs');
  const source = readFileSync(join(root, 'test', 'helpers', 'easemob-standin.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } });
  const file = join(tmp, 'easemob-standin.cjs');
  writeFileSync(file, outputText);
  return require(file);
}

const { startEasemobStandin } = loadStandin();
const standin = await startEasemobStandin();
const spool = openSpool({ path: join(tmp, 'spool.db'), sinks: ['easemob'] });
const now = Date.now();
await Promise.all(
  Array.from({ length: count }, (_, i) => {
    const message = { version: 1, vendor: 'tencent', appId: '1400000001', eventId: `bench-${i}`, messageId: `${i}_1_1767225601`, conversation: 'one-to-one', from: 'alice', to: `user${i % 500}`, sentAt: new Date(now).toISOString(), elements: [{ kind: 'text', vendorType: 'TIMTextElem', text: `message ${i}` }] };
    const attributes = { specversion: '1.0', id: message.eventId, source: 'tencent-im/1400000001', type: 'com.tencent.im.C2C.CallbackAfterSendMsg', time: message.sentAt, datacontenttype: 'application/json', vendor: 'tencent', command: 'C2C.CallbackAfterSendMsg' };
    return spool.append({ attributes, data: '{}', message: JSON.stringify(message) }, now);
  }),
);
spool.close();
const config = join(tmp, 'config.json');
writeFileSync(config, JSON.stringify({ sinks: [{ type: 'easemob', name: 'easemob', baseUrl: standin.url, appKey: standin.appKey, clientId: standin.clientId, clientSecret: standin.clientSecret, targets: { users: { mode: 'same' } } }] }));

const gateway = await launch(gatewayMain, { HOST: '127.0.0.1', PORT: '0', DATA_DIR: tmp, CONFIG_FILE: config, LOG_LEVEL: 'info' }, { keepOutput: false });
const started = Date.now();
const perSecond = [];
let last = 0;
while (standin.accepted.length < count) {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  perSecond.push(standin.accepted.length - last);
  last = standin.accepted.length;
  if (Date.now() - started > count * 100) break;
}
const seconds = (Date.now() - started) / 1000;
await gateway.stop();
const refused = standin.sendRequests().filter((r) => r.status !== 200);
const full = perSecond.slice(1, -1).sort((a, b) => a - b);
const median = full.length ? full[Math.floor(full.length / 2)] : undefined;
console.log(
  JSON.stringify({
    messages: standin.accepted.length,
    seconds: Math.round(seconds * 10) / 10,
    messagesPerSecond: Math.round((standin.accepted.length / seconds) * 10) / 10,
    medianFullSecond: median,
    maxSecond: Math.max(...perSecond),
    quota: '100 calls/s, 6000 messages/min',
    refusedByStandin: refused.length,
    duplicates: standin.accepted.length - new Set(standin.accepted.map((a) => a.request.ext.imgw_relay.eventId)).size,
    tokenRequests: standin.tokenRequests().length,
  }),
);
await standin.close();
rmSync(tmp, { recursive: true, force: true });
