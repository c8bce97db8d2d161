// Cost of the relay marker (src/events/relay-marker.ts): signing one copy, verifying a genuine marker,
// verifying a forged one (two keys configured, as during a rotation), next to the check it replaced
// (is the key present?) as the baseline. ROUNDS interleaved rounds of N operations each; medians and
// ranges of the per-operation time in microseconds.
// Usage: npm run build && node bench/relay-marker.mjs   (env: N=20000, ROUNDS=5)
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { relayMarker, relayMarkerKey, relayVerdict } = require(join(root, 'dist', 'events', 'relay-marker.js'));
const n = Number(process.env.N ?? 20_000);
const rounds = Number(process.env.ROUNDS ?? 5);
const keys = ['bench-relay-key-new-0123456789abcdef0123456789', 'bench-relay-key-old-0123456789abcdef0123456789'];

const source = { vendor: 'tencent', appId: '1400000001', messageId: '93847_1287657_1767225601', eventId: 'a3f1c9e27b5d4e2f8a6c1b0d9e8f7a6b' };
const text = 'Hello Bob 👋 — 今天下午开会吗？';
const copy = { from: 'user_alice', to: { kind: 'user', id: 'user_bob' }, elements: [{ kind: 'text', vendorType: 'txt', text }] };
const message = (marker) => ({ version: 1, vendor: 'easemob', appId: 'acme#chatapp', eventId: 'x', messageId: '1', conversation: 'one-to-one', from: 'user_alice', to: 'user_bob', sentAt: '2026-01-01T00:00:00.000Z', elements: copy.elements, ext: JSON.stringify({ [relayMarkerKey]: marker }) });
const genuine = message(relayMarker(source, [copy], keys));
const forged = message({ ...relayMarker(source, [copy], keys), mac: ['AAAAAAAAAAAAAAAAAAAAAA'] });

const cases = {
  'baseline: key present (the old check)': () => Object.hasOwn(JSON.parse(genuine.ext), relayMarkerKey),
  'sign one copy': () => relayMarker(source, [copy], keys),
  'verify a genuine marker': () => relayVerdict(genuine, keys) === 'ours',
  'verify a forged marker (both keys tried)': () => relayVerdict(forged, keys) === 'forged',
};
if (!cases['verify a genuine marker']() || !cases['verify a forged marker (both keys tried)']()) throw new Error('the marker does not verify as expected');

const samples = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
for (let round = 0; round < rounds; round++) {
  for (const [name, run] of Object.entries(cases)) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) run();
    samples[name].push(Number(process.hrtime.bigint() - started) / 1000 / n);
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const us = (value) => Math.round(value * 100) / 100;
for (const [name, values] of Object.entries(samples)) {
  console.log(`${name}: median ${us(median(values))} µs (range ${us(Math.min(...values))}–${us(Math.max(...values))}) over ${rounds} rounds of ${n}`);
}
