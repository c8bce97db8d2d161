// Finding a message in the spool's log (`npm run bench:search`): a spool with EVENTS events (default
// 1,000,000, each with the attributes a Tencent C2C message carries), then QUERIES searches by vendor
// message id for messages at random depths among them, newest first as the admin API asks, each
// followed through `next` until the message is found. Prints p50, p95 and max of the total time per
// search, and the longest single call (the time one call holds the event loop). With
// BASELINE_DIST=<another build's dist> that build is measured too, on its own spool, the searches
// interleaved with this build's. SEARCH_BUDGET sets the spool's `searchBudget` (rows examined per call).
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fmt } from './lib/stats.mjs';

const require = createRequire(import.meta.url);
const events = Number(process.env.EVENTS ?? 1_000_000);
const queries = Number(process.env.QUERIES ?? 20);
const builds = [['this build', resolve('dist')], ...(process.env.BASELINE_DIST ? [['baseline', resolve(process.env.BASELINE_DIST)]] : [])];
const searchBudget = process.env.SEARCH_BUDGET ? Number(process.env.SEARCH_BUDGET) : undefined;
const dir = mkdtempSync(join(tmpdir(), 'imgw-search-'));

/** A spool of `events` events written by `dist`'s spool, filled with one SQL statement per table. */
function filled(name, dist) {
  const { openSpool } = require(join(dist, 'pipeline/spool.js'));
  const path = join(dir, `${name.replace(/\W/g, '-')}.db`);
  openSpool({ path, sinks: ['file'] }).close();
  const db = new DatabaseSync(path);
  const t0 = Date.now();
  db.exec(`
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${events})
    INSERT INTO log (seq, id, received_at, attributes, data)
    SELECT i, 'id-' || i, 1700000000000 + i, json_object('specversion', '1.0', 'id', 'id-' || i, 'source', 'tencent-im/1400000001', 'type', 'com.tencent.im.C2C.CallbackAfterSendMsg',
      'time', '2026-12-01T00:00:00.000Z', 'datacontenttype', 'application/json', 'vendor', 'tencent', 'command', 'C2C.CallbackAfterSendMsg', 'appid', '1400000001',
      'fromaccount', 'user-' || (i % 5000), 'toaccount', 'user-' || (i % 7000), 'convtype', 'c2c', 'messageid', 'msg-' || i, 'elementkinds', 'text'),
      '{"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hello"}}]}' FROM n;
    UPDATE cursors SET acked = ${events};`);
  const hasSearch = Object.values(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'search'").get())[0] === 1;
  // What each append writes beside its log row (outbox.ts), for every event at once.
  if (hasSearch) {
    db.exec(`INSERT INTO search (seq, id, received_at, vendor, command, appid, fromaccount, toaccount, groupid, messageid)
      SELECT seq, id, received_at, 'tencent', 'C2C.CallbackAfterSendMsg', '1400000001', 'user-' || (seq % 5000), 'user-' || (seq % 7000), NULL, 'msg-' || seq FROM log`);
  }
  db.close();
  console.error(`${name}: filled ${fmt(events, 0)} events in ${fmt((Date.now() - t0) / 1000)} s`);
  return { name, spool: openSpool({ path, sinks: ['file'], searchBudget }), totals: [], calls: [], each: [], pages: [] };
}

/** Follows `next` until the message is found; returns the total, the longest call and the calls made. */
function find(spool, target) {
  let total = 0;
  let longest = 0;
  const each = [];
  let after;
  for (let calls = 1; ; calls += 1) {
    const start = process.hrtime.bigint();
    const page = spool.adminStore.searchEvents({ messageId: `msg-${target}` }, { limit: 50, after });
    const took = Number(process.hrtime.bigint() - start) / 1e6;
    total += took;
    longest = Math.max(longest, took);
    each.push(took);
    if (page.items[0]?.event.attributes.id === `id-${target}`) return { total, longest, calls, each };
    if (page.next === undefined) throw new Error(`msg-${target} not found`);
    after = page.next;
  }
}

const at = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(p * xs.length) - 1)];
const runs = builds.map(([name, dist]) => filled(name, dist));
try {
  for (let q = 0; q < queries; q += 1) {
    const target = 1 + Math.floor(Math.random() * events);
    for (const run of q % 2 ? [...runs].reverse() : runs) {
      const { total, longest, calls, each } = find(run.spool, target);
      run.each.push(...each);
      run.totals.push(total);
      run.calls.push(longest);
      run.pages.push(calls);
    }
  }
  for (const run of runs) {
    console.log(`Command: \`npm run bench:search\` (EVENTS=${events} QUERIES=${queries}), ${new Date().toISOString().slice(0, 10)}, Node ${process.versions.node}, ${run.name}: search by message id, ` +
      `total per search p50 ${fmt(at(run.totals, 0.5))} ms, p95 ${fmt(at(run.totals, 0.95))} ms, max ${fmt(Math.max(...run.totals))} ms; ` +
      `single call p50 ${fmt(at(run.each, 0.5))} ms, p99 ${fmt(at(run.each, 0.99))} ms, longest ${fmt(Math.max(...run.calls))} ms; calls per search p50 ${at(run.pages, 0.5)}, max ${Math.max(...run.pages)}.`);
  }
} finally {
  for (const run of runs) run.spool.close();
  rmSync(dir, { recursive: true, force: true });
}
