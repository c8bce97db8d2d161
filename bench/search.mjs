// Finding a message in the spool's log (`npm run bench:search`): a spool with EVENTS events (default
// 1,000,000, each with the attributes a Tencent C2C message carries), then QUERIES searches by vendor
// message id for messages at random depths among them, newest first as the admin API asks; p50, p95
// and max in ms. The log has no index on attributes (an append writes no extra page): each search
// reads the log backwards from its end until the page is full or the log ends.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { fmt } from './lib/stats.mjs';

const require = createRequire(import.meta.url);
const { openSpool } = require('../dist/pipeline/spool.js');
const events = Number(process.env.EVENTS ?? 1_000_000);
const queries = Number(process.env.QUERIES ?? 20);
const dir = mkdtempSync(join(tmpdir(), 'imgw-search-'));
const path = join(dir, 'spool.db');
try {
  openSpool({ path, sinks: ['file'] }).close();
  const db = new Database(path);
  const t0 = Date.now();
  db.exec(`
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${events})
    INSERT INTO log (seq, id, received_at, attributes, data)
    SELECT i, 'id-' || i, 1700000000000 + i, json_object('specversion', '1.0', 'id', 'id-' || i, 'source', 'tencent-im/1400000001', 'type', 'com.tencent.im.C2C.CallbackAfterSendMsg',
      'time', '2026-12-01T00:00:00.000Z', 'datacontenttype', 'application/json', 'vendor', 'tencent', 'command', 'C2C.CallbackAfterSendMsg', 'appid', '1400000001',
      'fromaccount', 'user-' || (i % 5000), 'toaccount', 'user-' || (i % 7000), 'convtype', 'c2c', 'messageid', 'msg-' || i, 'elementkinds', 'text'),
      '{"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hello"}}]}' FROM n;
    UPDATE cursors SET acked = ${events};`);
  db.close();
  console.error(`filled ${fmt(events, 0)} events in ${fmt((Date.now() - t0) / 1000)} s`);
  const spool = openSpool({ path, sinks: ['file'] });
  const times = [];
  for (let q = 0; q < queries; q += 1) {
    const target = 1 + Math.floor(Math.random() * events);
    const start = process.hrtime.bigint();
    const page = spool.adminStore.searchEvents({ messageId: `msg-${target}` }, { limit: 50 });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (page.items[0]?.event.attributes.id !== `id-${target}`) throw new Error(`msg-${target} not found`);
  }
  spool.close();
  times.sort((a, b) => a - b);
  const at = (p) => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)];
  console.log(`Command: \`npm run bench:search\` (EVENTS=${events} QUERIES=${queries}), ${new Date().toISOString().slice(0, 10)}, Node ${process.versions.node}: search by message id, p50 ${fmt(at(0.5))} ms, p95 ${fmt(at(0.95))} ms, max ${fmt(times.at(-1))} ms.`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
