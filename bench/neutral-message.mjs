// Store the neutral message beside the event, or derive it at delivery? (`node bench/neutral-message.mjs`,
// after `npm run build`.) For each vendor's sample message bodies (test/fixtures) it measures, in
// interleaved rounds (ROUNDS, default 5; ITERATIONS passes over the samples per round, default 2000):
// - bytes: the neutral message's size, against the rest of the spooled row (attributes + data);
// - derive: CPU per event of the vendor's mapping (`toEvent`), which delivery would have to run again,
//   since the message comes only from parsing and mapping the body; and JSON.parse of the body alone,
//   the least any derivation must do; and JSON.stringify of the message, the part of the step that
//   storing needs at intake and deriving would not;
// - store: CPU per event of appending the row to a WAL SQLite log in batches of 50, with the message and
//   without it (the same statement as the spool's, NULL message), and the WAL bytes written per event.
// Medians with [min–max] over rounds.
import { readdirSync, readFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const root = join(import.meta.dirname, '..');
const { loadConfig } = require(join(root, 'dist', 'config.js'));
const { buildVendors } = require(join(root, 'dist', 'vendors', 'registry.js'));
const { transaction } = require(join(root, 'dist', 'pipeline', 'spool', 'sqlite.js'));
const { DatabaseSync } = require('node:sqlite');

const rounds = Number(process.env.ROUNDS ?? 5);
const iterations = Number(process.env.ITERATIONS ?? 2000);
const fixtures = join(root, 'test', 'fixtures');
const config = loadConfig({
  DATA_DIR: tmpdir(),
  TENCENT_SDKAPPIDS: '1400000001',
  TENCENT_CALLBACK_TOKENS: 'bench-token',
  NETEASE_APP_SECRETS: 'c0ffee5ecret42',
  EASEMOB_CALLBACK_SECRETS: 'em-cb-secret-7788',
});
const vendors = Object.fromEntries(buildVendors(config.vendors, { clock: () => Date.now(), relayKeys: config.relayKeys }).active.map((v) => [v.name, v]));

/** Every sample of a vendor that maps to an event with a neutral message: [head, body bytes]. */
function samples(vendor) {
  const dir = join(fixtures, vendor);
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  const all = files.map((file) => {
    const json = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    if (vendor === 'tencent') return [{ query: new URLSearchParams(json.query), headers: {} }, Buffer.from(JSON.stringify(json.body))];
    if (vendor === 'netease') return [{ query: new URLSearchParams(), headers: Object.fromEntries(Object.entries(json.headers).map(([k, v]) => [k.toLowerCase(), v])) }, readFileSync(join(dir, file.replace(/\.json$/, '.body')))];
    return [{ query: new URLSearchParams(), headers: { 'content-type': 'application/json' } }, readFileSync(join(dir, file))];
  });
  return all.filter(([head, body]) => {
    const intake = vendors[vendor].toEvent(head, body, Date.now());
    return intake.kind === 'event' && intake.event.message !== undefined;
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (xs, digits = 2) => `${median(xs).toFixed(digits)} [${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}]`;
const cpuUs = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

function deriveRound(vendor, cases) {
  const started = cpuUs();
  let sink = 0;
  for (let i = 0; i < iterations; i++) for (const [head, body] of cases) sink += vendors[vendor].toEvent(head, body, 1_718_000_000_000 + i).event.message.length;
  if (sink === 0) throw new Error('nothing mapped');
  return (cpuUs() - started) / (iterations * cases.length);
}

function parseRound(events) {
  const started = cpuUs();
  let sink = 0;
  for (let i = 0; i < iterations; i++) for (const e of events) sink += Object.keys(JSON.parse(e.data)).length;
  if (sink === 0) throw new Error('nothing parsed');
  return (cpuUs() - started) / (iterations * events.length);
}

function stringifyRound(events) {
  const objects = events.map((e) => JSON.parse(e.message));
  const started = cpuUs();
  let sink = 0;
  for (let i = 0; i < iterations; i++) for (const m of objects) sink += JSON.stringify(m).length;
  if (sink === 0) throw new Error('nothing serialized');
  return (cpuUs() - started) / (iterations * objects.length);
}

function storeRound(events, withMessage) {
  const dir = mkdtempSync(join(tmpdir(), 'imgw-nm-'));
  const db = new DatabaseSync(join(dir, 'spool.db'));
  try {
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec('PRAGMA wal_autocheckpoint = 0');
    db.exec('CREATE TABLE log (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, received_at INTEGER NOT NULL, attributes TEXT NOT NULL, data TEXT NOT NULL, message TEXT)');
    const insert = db.prepare('INSERT INTO log (seq, id, received_at, attributes, data, message) VALUES (?, ?, ?, ?, ?, ?)');
    const count = iterations * 5;
    const batch = transaction(db, (from) => {
      for (let seq = from; seq < from + 50 && seq < count; seq++) {
        const e = events[seq % events.length];
        insert.run(seq + 1, `${e.attributes.id}-${seq}`, seq, JSON.stringify(e.attributes), e.data, withMessage ? e.message : null);
      }
    });
    const started = cpuUs();
    for (let from = 0; from < count; from += 50) batch(from);
    const us = (cpuUs() - started) / count;
    return { us, walBytes: statSync(join(dir, 'spool.db-wal')).size / count };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = {};
for (const vendor of ['tencent', 'netease', 'easemob']) {
  const cases = samples(vendor);
  const events = cases.map(([head, body]) => vendors[vendor].toEvent(head, body, Date.now()).event);
  const messageBytes = events.reduce((n, e) => n + Buffer.byteLength(e.message), 0) / events.length;
  const rowBytes = events.reduce((n, e) => n + Buffer.byteLength(JSON.stringify(e.attributes)) + Buffer.byteLength(e.data), 0) / events.length;
  results[vendor] = { samples: cases.length, messageBytes, rowBytes, derive: [], parse: [], stringify: [], storeWith: [], storeWithout: [], walWith: [], walWithout: [] };
  for (let i = 0; i < 200; i++) deriveRound(vendor, cases.slice(0, 1)); // warm the JIT
}
for (let round = 0; round < rounds; round++) {
  for (const [vendor, r] of Object.entries(results)) {
    const cases = samples(vendor);
    const events = cases.map(([head, body]) => vendors[vendor].toEvent(head, body, Date.now()).event);
    r.derive.push(deriveRound(vendor, cases));
    r.parse.push(parseRound(events));
    r.stringify.push(stringifyRound(events));
    // Alternate which variant goes first so neither always runs on a warmer cache.
    const order = round % 2 === 0 ? [true, false] : [false, true];
    for (const withMessage of order) {
      const { us, walBytes } = storeRound(events, withMessage);
      (withMessage ? r.storeWith : r.storeWithout).push(us);
      (withMessage ? r.walWith : r.walWithout).push(walBytes);
    }
  }
}

console.log(`neutral message: ${rounds} interleaved rounds, ${iterations} passes over the samples per round; Node ${process.version}; medians [min–max]`);
for (const [vendor, r] of Object.entries(results)) {
  const extraUs = r.storeWith.map((us, i) => us - r.storeWithout[i]);
  const extraWal = r.walWith.map((b, i) => b - r.walWithout[i]);
  console.log(
    `${vendor.padEnd(8)} ${r.samples} samples; message ${r.messageBytes.toFixed(0)} B (row without it ${r.rowBytes.toFixed(0)} B, +${((100 * r.messageBytes) / r.rowBytes).toFixed(0)} %); ` +
      `derive (toEvent) ${fmt(r.derive)} µs/event (JSON.parse of the body alone ${fmt(r.parse)}); JSON.stringify of the message ${fmt(r.stringify)} µs; append with message ${fmt(r.storeWith)} µs, without ${fmt(r.storeWithout)} µs (extra ${fmt(extraUs)} µs); ` +
      `WAL bytes/event with ${fmt(r.walWith, 0)}, without ${fmt(r.walWithout, 0)} (extra ${fmt(extraWal, 0)})`,
  );
}
