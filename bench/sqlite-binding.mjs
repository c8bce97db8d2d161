// better-sqlite3 against Node's built-in node:sqlite on the spool's own workload
// (`npm run bench:sqlite-binding`, Node 22.16 or later). A spool file is made once by the built spool
// code (dist: `openDatabase` + `migrateSpool`, the current schema); every round copies it, and each
// binding opens its copy with the spool's connection settings and runs the same statements:
//   group commit   BEGIN; per event a savepoint, an INSERT into log, the search row (written 64 at a
//                  time, as the search tail does); the sink's cursor upsert; COMMIT; fdatasync of the WAL
//                  (as `walSync`), for N = 64, 8 and 1 events per commit;
//   checkpoint     PRAGMA wal_checkpoint(PASSIVE) from a second connection over the N = 64 events;
//   delivery read  SELECT … FROM log WHERE seq > ? ORDER BY seq LIMIT 256 as arrays, JSON.parse of each
//                  event's attributes, through the whole log;
//   point read     the row of one seq, as arrays, for random seqs;
//   dedupe load    SELECT seq, id FROM log ORDER BY seq DESC LIMIT 200000 as arrays, on a spool of
//                  DEDUPE_EVENTS events (filled once by SQL, read by both bindings every round).
// The bindings alternate within every round (the order flips each round) after a warm-up round.
// Reported: CPU time (process.cpuUsage) and wall time per event, medians and ranges over ROUNDS, and
// the ratio node:sqlite / better-sqlite3 taken round by round. Then each binding runs the workload once
// in a child process of its own (RSS_ROUNDS times, alternating) for its peak RSS (VmHWM).
// node:sqlite gets the cache better-sqlite3 is compiled with (cache_size = -16000): a port would set
// it; VARIANTS=all adds node:sqlite with its own default (2 MB).
import { execFileSync } from 'node:child_process';
import { copyFileSync, fdatasync, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, median, spread } from './lib/stats.mjs';

const require = createRequire(import.meta.url);
const env = (name, fallback) => Number(process.env[name] ?? fallback);
const rounds = Math.max(1, env('ROUNDS', 5));
const rssRounds = env('RSS_ROUNDS', 2);
const scale = env('SCALE', 1);
const sizes = { 64: Math.round(10_240 * scale), 8: Math.round(2_048 * scale), 1: Math.round(512 * scale) };
const pointReads = Math.round(10_000 * scale);
const dedupeWindow = 200_000;
const dedupeEvents = env('DEDUPE_EVENTS', 210_000);

const { DatabaseSync } = await import('node:sqlite').catch(() => {
  console.error(`node:sqlite is not available on Node ${process.versions.node}: run this on Node 22.16 or later`);
  process.exit(2);
});
const BetterSqlite3 = require('better-sqlite3');

/** What the spool needs of a binding, written the way each binding's users write it. */
const bindings = {
  'better-sqlite3': {
    open: (path, options = {}) => new BetterSqlite3(path, options.timeout === undefined ? {} : { timeout: options.timeout }),
    rows: (db, sql) => db.prepare(sql).raw(),
    statement: (db, sql) => db.prepare(sql),
    pragma: (db, sql) => db.pragma(sql, { simple: true }),
    pragmaRow: (db, sql) => db.pragma(sql)[0],
    // The spool's group committer: `db.transaction(fn)`, a deferred BEGIN … COMMIT (ROLLBACK on a throw).
    transaction: (db, fn) => db.transaction(fn),
  },
  'node:sqlite': {
    open: (path, options = {}) => new DatabaseSync(path, options.timeout === undefined ? {} : { timeout: options.timeout }),
    rows: (db, sql) => {
      const statement = db.prepare(sql);
      statement.setReturnArrays(true);
      return statement;
    },
    statement: (db, sql) => db.prepare(sql),
    pragma: (db, sql) => {
      const statement = db.prepare(`PRAGMA ${sql}`);
      statement.setReturnArrays(true);
      return statement.get()?.[0];
    },
    pragmaRow: (db, sql) => db.prepare(`PRAGMA ${sql}`).get(),
    // What a port writes in place of `db.transaction`: prepared BEGIN / COMMIT / ROLLBACK.
    transaction: (db, fn) => {
      const [begin, commit, rollback] = ['BEGIN', 'COMMIT', 'ROLLBACK'].map((sql) => db.prepare(sql));
      return (arg) => {
        begin.run();
        try {
          const result = fn(arg);
          commit.run();
          return result;
        } catch (error) {
          if (db.isTransaction) rollback.run();
          throw error;
        }
      };
    },
  },
};
const variants = {
  'better-sqlite3': { binding: 'better-sqlite3' },
  'node:sqlite': { binding: 'node:sqlite', cacheSize: -16000 },
  ...(process.env.VARIANTS === 'all' ? { 'node:sqlite, 2 MB cache': { binding: 'node:sqlite' } } : {}),
};

// ---- the spool's data --------------------------------------------------------------------------------
const searchColumns = ['vendor', 'command', 'appid', 'fromaccount', 'toaccount', 'groupid', 'messageid'];
let seed = 42;
const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
const word = (n) => Array.from({ length: n }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(random() * 36)]).join('');
/** Events like the gateway's: attributes ~400 B of JSON, data ~600 B, message ~300 B. */
function makeEvents(count) {
  return Array.from({ length: count }, (_, i) => {
    const attributes = {
      specversion: '1.0', id: `tencent-${word(24)}`, source: 'im-callback-gateway/tencent/1400000000', type: 'im.message.sent',
      time: new Date(1_780_000_000_000 + i).toISOString(), datacontenttype: 'application/json', vendor: 'tencent',
      command: 'C2C.CallbackAfterSendMsg', appid: '1400000000', fromaccount: `user_${word(8)}`, toaccount: `user_${word(8)}`,
      messageid: `${word(10)}-${i}`, clienttype: 'iOS', optionplatform: 'RESTAPI', eventtime: String(1_780_000_000_000 + i), random: word(12),
    };
    const json = JSON.stringify(attributes);
    return {
      attributes: json.length < 400 ? { ...attributes, pad: word(400 - json.length - 9) } : attributes,
      data: JSON.stringify({ CallbackCommand: 'C2C.CallbackAfterSendMsg', From_Account: attributes.fromaccount, To_Account: attributes.toaccount, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: word(480) } }] }),
      message: JSON.stringify({ kind: 'text', text: word(240), from: attributes.fromaccount, to: attributes.toaccount }),
    };
  }).map((e) => ({ ...e, json: JSON.stringify(e.attributes), search: searchColumns.map((c) => e.attributes[c] ?? null) }));
}

// ---- one binding's run ---------------------------------------------------------------------------------
function openSpoolDb(variant, path) {
  const b = bindings[variant.binding];
  const db = b.open(path);
  // openDatabase's settings (auto_vacuum and WAL are already in the file), and the writer's autocheckpoint.
  for (const sql of ['auto_vacuum = INCREMENTAL', 'journal_mode = WAL', 'synchronous = NORMAL', 'busy_timeout = 5000', `journal_size_limit = ${64 * 1024 * 1024}`]) b.pragma(db, sql);
  if (variant.cacheSize !== undefined) b.pragma(db, `cache_size = ${variant.cacheSize}`);
  // No checkpoint inside the commits measured: the spool's checkpoint thread keeps the WAL short; here
  // the checkpoint is measured on its own.
  b.pragma(db, 'wal_autocheckpoint = 0');
  return db;
}

const measure = (fn) => {
  const cpu = process.cpuUsage();
  const t = performance.now();
  const count = fn();
  const used = process.cpuUsage(cpu);
  return { cpu: (used.user + used.system) / count, wall: ((performance.now() - t) * 1000) / count };
};
const measureAsync = async (fn) => {
  const cpu = process.cpuUsage();
  const t = performance.now();
  const { count, sqlWall, sqlCpu } = await fn();
  const used = process.cpuUsage(cpu);
  return { cpu: (used.user + used.system) / count, wall: ((performance.now() - t) * 1000) / count, sqlWall: sqlWall / count, sqlCpu: sqlCpu / count };
};
const syncFile = (fd) => new Promise((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));

/** The group committer's transaction for `batch`, the search tail and one sink's cursor, as in the spool. */
function committer(b, db) {
  const insert = b.statement(db, 'INSERT INTO log (seq, id, received_at, attributes, data, message) VALUES (?, ?, ?, ?, ?, ?)');
  const searchRow = b.statement(db, `INSERT OR IGNORE INTO search (seq, id, received_at, ${searchColumns.join(', ')})
    SELECT ?, ?, ?, ${searchColumns.map(() => '?').join(', ')} WHERE EXISTS (SELECT 1 FROM log WHERE seq = ?)`);
  const upsert = b.statement(db, 'INSERT INTO cursors (sink, acked, pending) VALUES (?, ?, ?) ON CONFLICT (sink) DO UPDATE SET acked = max(acked, excluded.acked), pending = pending + ?');
  const [savepoint, release] = ['SAVEPOINT group_write', 'RELEASE group_write'].map((sql) => b.statement(db, sql));
  let tail = [];
  let pending = 0;
  let written = 0;
  const run = b.transaction(db, (batch) => {
    for (const { seq, at, event } of batch) {
      savepoint.run();
      insert.run(seq, event.attributes.id, at, event.json, event.data, event.message);
      tail.push([seq, event.attributes.id, at, ...event.search, seq]);
      if (tail.length >= 64) {
        for (const row of tail) searchRow.run(...row);
        tail = [];
      }
      release.run();
      pending += 1;
    }
    upsert.run('file', 0, pending, pending - written);
    written = pending;
  });
  return run;
}

async function groupCommits(b, db, path, events, perCommit, first) {
  const run = committer(b, db);
  let fd;
  let sqlWall = 0;
  let sqlCpu = 0;
  const result = await measureAsync(async () => {
    for (let i = 0; i < events.length; i += perCommit) {
      const batch = events.slice(i, i + perCommit).map((event, j) => ({ seq: first + i + j, at: 1_780_000_000_000 + i + j, event }));
      const cpu = process.cpuUsage();
      const t = performance.now();
      run(batch);
      sqlWall += performance.now() - t;
      const used = process.cpuUsage(cpu);
      sqlCpu += used.user + used.system;
      fd ??= openSync(`${path}-wal`, 'r');
      await syncFile(fd);
    }
    return { count: events.length, sqlWall: sqlWall * 1000, sqlCpu };
  });
  closeSync(fd);
  return result;
}

function checkpoint(variant, path, events) {
  const b = bindings[variant.binding];
  const db = b.open(path, { timeout: 0 });
  try {
    let row;
    const result = measure(() => {
      row = b.pragmaRow(db, 'wal_checkpoint(PASSIVE)');
      return events;
    });
    if (row.busy !== 0 || row.checkpointed !== row.log) throw new Error(`checkpoint incomplete: ${JSON.stringify(row)}`);
    return result;
  } finally {
    db.close();
  }
}

/** The log reader's read-ahead; `asObjects`: rows as objects (what the admin queries and start-up reads use). */
function deliveryRead(b, db, asObjects = false) {
  const sql = 'SELECT seq, received_at, attributes, data, message FROM log WHERE seq > ? ORDER BY seq LIMIT ?';
  const after = asObjects ? b.statement(db, sql) : b.rows(db, sql);
  const [seqOf, attributesOf, dataOf, messageOf] = asObjects ? ['seq', 'attributes', 'data', 'message'] : [0, 2, 3, 4];
  return measure(() => {
    let from = 0;
    let count = 0;
    for (;;) {
      const rows = after.all(from, 256);
      for (const row of rows) {
        const event = { attributes: JSON.parse(row[attributesOf]), data: row[dataOf], message: row[messageOf] };
        if (event.attributes.id === undefined) throw new Error('unreadable event');
        from = row[seqOf];
        count += 1;
      }
      if (rows.length < 256) return count;
    }
  });
}

function pointRead(b, db, last) {
  const one = b.rows(db, 'SELECT seq, received_at, attributes, data, message FROM log WHERE seq = ?');
  const seqs = Array.from({ length: pointReads }, () => 1 + Math.floor(random() * last));
  return measure(() => {
    for (const seq of seqs) if (one.get(seq)[0] !== seq) throw new Error(`seq ${seq} not found`);
    return seqs.length;
  });
}

function dedupeLoad(variant, path) {
  const b = bindings[variant.binding];
  const db = openSpoolDb(variant, path);
  try {
    const newest = b.rows(db, 'SELECT seq, id FROM log ORDER BY seq DESC LIMIT ?');
    return measure(() => newest.all(dedupeWindow).length);
  } finally {
    db.close();
  }
}

/** One binding's whole workload on a fresh copy of the spool file. */
async function workload(name, dir, template, bigPath, events) {
  const variant = variants[name];
  const b = bindings[variant.binding];
  const path = join(dir, `${name.replace(/\W+/g, '-')}-${process.pid}-${Date.now()}.db`);
  copyFileSync(template, path);
  const db = openSpoolDb(variant, path);
  const out = {};
  try {
    let at = 0;
    const next = (n) => events.slice(at, (at += n));
    out['commit N=64'] = await groupCommits(b, db, path, next(sizes[64]), 64, 1);
    out['checkpoint (PASSIVE)'] = checkpoint(variant, path, sizes[64]);
    out['commit N=8'] = await groupCommits(b, db, path, next(sizes[8]), 8, sizes[64] + 1);
    out['commit N=1'] = await groupCommits(b, db, path, next(sizes[1]), 1, sizes[64] + sizes[8] + 1);
    out['delivery read (256 a query)'] = deliveryRead(b, db);
    out['the same read, rows as objects'] = deliveryRead(b, db, true);
    out['point read by seq'] = pointRead(b, db, at);
    out['dedupe load (200,000 ids)'] = dedupeLoad(variant, bigPath);
  } finally {
    db.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
  }
  return out;
}

// ---- setup ---------------------------------------------------------------------------------------------
function makeTemplate(dir) {
  const dist = new URL('../dist/pipeline/spool/', import.meta.url).pathname;
  const { openDatabase } = require(join(dist, 'database.js'));
  const { migrateSpool } = require(join(dist, 'schema.js'));
  const path = join(dir, 'template.db');
  const db = openDatabase(path);
  migrateSpool(db);
  db.prepare("INSERT INTO cursors (sink, acked, pending) VALUES ('file', 0, 0)").run();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return path;
}

/** The dedupe spool: `dedupeEvents` rows of the sizes above, written by SQL (not a measurement). */
function makeBigSpool(template, dir) {
  const path = join(dir, 'dedupe.db');
  copyFileSync(template, path);
  const db = new BetterSqlite3(path);
  db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${dedupeEvents})
    INSERT INTO log (seq, id, received_at, attributes, data, message)
    SELECT i, 'tencent-' || lower(hex(randomblob(12))), 1780000000000 + i, '{"pad":"' || hex(randomblob(195)) || '"}', hex(randomblob(300)), hex(randomblob(150)) FROM n`);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return path;
}

const peakRss = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) / 1024;

async function main() {
  const dir = process.env.SQLITE_BINDING_DIR ?? mkdtempSync(join(tmpdir(), 'sqlite-binding-'));
  const ownDir = process.env.SQLITE_BINDING_DIR === undefined;
  try {
    if (process.env.SQLITE_BINDING_CHILD) {
      const events = makeEvents(sizes[64] + sizes[8] + sizes[1]);
      const before = peakRss();
      await workload(process.env.SQLITE_BINDING_CHILD, dir, join(dir, 'template.db'), join(dir, 'dedupe.db'), events);
      console.log(JSON.stringify({ before, peak: peakRss() }));
      return;
    }
    const template = makeTemplate(dir);
    const bigPath = makeBigSpool(template, dir);
    const events = makeEvents(sizes[64] + sizes[8] + sizes[1]);
    const names = Object.keys(variants);
    const results = new Map(names.map((n) => [n, []]));
    console.error(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    for (let round = 0; round <= rounds; round += 1) {
      const order = round % 2 === 0 ? names : [...names].reverse();
      for (const name of order) {
        const r = await workload(name, dir, template, bigPath, events);
        if (round === 0) continue; // warm-up
        results.get(name).push(r);
        console.error(`round ${round} ${name}: ${Object.entries(r).map(([op, m]) => `${op} ${fmt(m.cpu)} µs`).join(', ')}`);
      }
    }
    const peaks = new Map(names.map((n) => [n, []]));
    for (let round = 0; round < rssRounds; round += 1) {
      for (const name of round % 2 === 0 ? names : [...names].reverse()) {
        const out = execFileSync(process.execPath, [new URL(import.meta.url).pathname], { env: { ...process.env, SQLITE_BINDING_CHILD: name, SQLITE_BINDING_DIR: dir } });
        peaks.get(name).push(JSON.parse(out.toString().trim().split('\n').at(-1)));
      }
    }
    report(names, results, peaks);
  } finally {
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  }
}

function report(names, results, peaks) {
  const [base, ...others] = names;
  const versions = `better-sqlite3 ${require('better-sqlite3/package.json').version} (SQLite ${new BetterSqlite3(':memory:').prepare('SELECT sqlite_version()').pluck().get()}), node:sqlite (SQLite ${process.versions.sqlite})`;
  console.log(`Command: \`npm run bench:sqlite-binding\` (ROUNDS=${rounds} SCALE=${scale}), ${new Date().toISOString().slice(0, 10)}, Node ${process.versions.node}, ${versions}; load average at the end ${loadavg().map((x) => x.toFixed(2)).join(' ')}.`);
  console.log('');
  console.log(`Per event (dedupe load: per id), medians of ${rounds} interleaved rounds (min–max); ratio = ${others.length > 1 ? 'each' : others[0]} ÷ ${base}, round by round.`);
  console.log('');
  for (const metric of ['cpu', 'wall']) {
    console.log(`| ${metric === 'cpu' ? 'CPU µs' : 'wall µs'} | ${names.join(' | ')} | ${others.map((o) => `ratio ${o}`).join(' | ')} |`);
    console.log(`| --- |${names.map(() => ' --- |').join('')}${others.map(() => ' --- |').join('')}`);
    for (const op of Object.keys(results.get(base)[0])) {
      const values = (name) => results.get(name).map((r) => r[op][metric]);
      const ratios = (name) => results.get(name).map((r, i) => r[op][metric] / results.get(base)[i][op][metric]);
      console.log(`| ${op} | ${names.map((n) => spread(values(n))).join(' | ')} | ${others.map((o) => spread(ratios(o), 2)).join(' | ')} |`);
    }
    {
      const sql = (name, op) => results.get(name).map((r) => r[op][metric === 'cpu' ? 'sqlCpu' : 'sqlWall']);
      for (const op of ['commit N=64', 'commit N=8', 'commit N=1']) {
        console.log(`| ${op}, BEGIN…COMMIT only | ${names.map((n) => spread(sql(n, op))).join(' | ')} | ${others.map((o) => spread(sql(o, op).map((x, i) => x / sql(base, op)[i]), 2)).join(' | ')} |`);
      }
    }
    console.log('');
  }
  console.log(`Peak RSS (VmHWM) of a child running the workload once, ${rssRounds} alternating runs each: ${names.map((n) => `${n} ${spread(peaks.get(n).map((p) => p.peak), 0)} MiB (before the workload ${fmt(median(peaks.get(n).map((p) => p.before)), 0)} MiB)`).join('; ')}.`);
}

await main();
