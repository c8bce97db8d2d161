// What mapping and signing cost per relayed message, per target: planSends (conversation mapping,
// element mapping, the signed relay marker, the request) of a one-to-one text and of a group message
// with three elements, beside the baseline of signing one copy alone (signRelayCopy), in ROUNDS
// interleaved rounds of N messages each; medians and ranges of µs per message.
// Usage: npm run build && node bench/relay-plan.mjs   (env: ROUNDS=5, N=20000)
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const dist = (path) => require(join(root, 'dist', path));
const { signRelayCopy } = dist('events/relay-marker.js');
const { conversationTargetsSchema } = dist('sinks/relay/conversations.js');
const easemob = dist('sinks/relay/easemob/plan.js');
const { relayElementsSchema: easemobElements } = dist('sinks/relay/easemob/mapping.js');
const tencent = dist('sinks/relay/tencent/plan.js');
const { relayElementsSchema: tencentElements } = dist('sinks/relay/tencent/elements.js');
const netease = dist('sinks/relay/netease/plan.js');
const { z } = require('zod');

const rounds = Number(process.env.ROUNDS ?? 5);
const n = Number(process.env.N ?? 20000);
const keys = ['bench-relay-key-0123456789abcdef0123456789abcdef'];
const targets = conversationTargetsSchema(z.string().max(64)).parse({ users: { mode: 'template', template: 'x_{id}' }, groups: { mode: 'table', table: { g1: 'G-1' } } });
const text = (i) => ({ version: 1, vendor: 'tencent', appId: '1400000001', eventId: `evt-${i}`, messageId: `m${i}`, conversation: 'one-to-one', from: 'alice', to: 'bob', sentAt: '2026-01-01T00:00:00.000Z', elements: [{ kind: 'text', vendorType: 'TIMTextElem', text: `hello ${i}` }] });
const group = (i) => ({
  ...text(i),
  conversation: 'group',
  to: undefined,
  groupId: 'g1',
  elements: [
    { kind: 'text', vendorType: 'TIMTextElem', text: `look ${i}` },
    { kind: 'image', vendorType: 'TIMImageElem', images: [{ url: `https://cdn/p${i}.jpg`, width: 800, height: 600 }] },
    { kind: 'location', vendorType: 'TIMLocationElem', latitude: 30.2, longitude: 120.1, description: 'here' },
  ],
});
const limiter = { maxRecipients: () => 600 };
const cases = {
  'sign one copy (baseline)': (m) => signRelayCopy(keys[0], m.eventId, { from: m.from, to: { kind: 'user', id: 'bob' }, elements: m.elements }),
  'easemob text': (m) => easemob.planSends(m, { targets, elements: easemobElements.parse({}), silent: false, syncDevice: false, onlineOnly: false }, limiter, keys),
  'tencent text': (m) => tencent.planSends(m, { identifier: 'administrator', mode: 'send', targets, elements: tencentElements.parse({}), syncOtherMachine: false, silent: false }, keys),
  'netease text': (m) => netease.planSends(m, { targets }, keys),
  'easemob group, 3 elements': (m) => easemob.planSends(m, { targets, elements: easemobElements.parse({}), silent: false, syncDevice: false, onlineOnly: false }, limiter, keys),
  'tencent group, 3 elements': (m) => tencent.planSends(m, { identifier: 'administrator', mode: 'send', targets, elements: tencentElements.parse({}), syncOtherMachine: false, silent: false }, keys),
  'netease group, 3 elements': (m) => netease.planSends(m, { targets }, keys),
};
const messages = Array.from({ length: n }, (_, i) => text(i));
const groups = Array.from({ length: n }, (_, i) => group(i));
const results = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
for (let round = 0; round < rounds; round++) {
  for (const [name, run] of Object.entries(cases)) {
    const input = name.includes('group') ? groups : messages;
    for (let i = 0; i < Math.min(500, n); i++) run(input[i]); // warm-up
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) run(input[i]);
    results[name].push(Number(process.hrtime.bigint() - started) / 1000 / n);
  }
}
for (const [name, values] of Object.entries(results)) {
  const sorted = [...values].sort((a, b) => a - b);
  console.log(`${name.padEnd(28)} median ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} µs/message, range ${sorted[0].toFixed(1)}–${sorted.at(-1).toFixed(1)}`);
}
