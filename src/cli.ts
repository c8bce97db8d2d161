#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfigFromEnvironment, parseDuration, sinkName, type Config } from './config';
import type { Event } from './events/event';
import { matchesRoute } from './pipeline/routing';
import { openSpool, type Spool } from './pipeline/spool';
import { spoolAdmin, type Range } from './pipeline/spool-admin';
import { parseTencentBody } from './vendors/tencent/intake';
import { parseTencentQuery } from './vendors/tencent/query';
import { tencentEvent } from './vendors/tencent/to-event';

const usage = `Usage: imgw <command> [options]      (node dist/cli.js …, with the service's environment)
  check-config                              validate the environment and CONFIG_FILE
  spool stats                               events, pending per sink, dead letters, quarantine
  dlq list     [--sink S] [--since T] [--until T] [--limit N]
  dlq show     <seq>
  dlq redrive  [--sink S] [--since T] [--until T]      back to the sink's queue, due now
  quarantine list    [--since T] [--until T] [--limit N]
  quarantine show    <qid>
  quarantine redrive [<qid> …] [--since T] [--until T] re-check with this version; valid ones become events
  replay --since T [--until T] [--sink S]               deliver stored events again
T is an ISO time (2026-01-01T00:00:00Z) or an age (30m, 2h, 7d ago).`;

/** Operator commands. Each prints JSON (one object per line for lists) and returns an exit code. */
export async function runCli(argv: readonly string[], config: Config, out: (line: string) => void, now = Date.now()): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { sink: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' }, limit: { type: 'string' } },
  });
  const [command, sub, ...rest] = positionals;
  const range: Range = { sink: values.sink, since: time(values.since, now), until: time(values.until, now) };
  const limit = values.limit ? Number(values.limit) : 100;
  const print = (value: unknown) => out(JSON.stringify(value));
  if (command === 'check-config') {
    print({ ok: true, ackMode: config.ackMode, dataDir: config.dataDir, sinks: config.sinks.map(sinkName) });
    return 0;
  }
  const routes = config.sinks.map((s) => ({ name: sinkName(s), accepts: (event: Event) => matchesRoute(s.filter, event) }));
  const spool = openSpool({ path: join(config.dataDir, 'spool.db'), sinks: routes });
  const admin = spoolAdmin(spool.db);
  try {
    switch (`${command} ${sub ?? ''}`.trim()) {
      case 'spool stats':
        print(admin.stats());
        return 0;
      case 'dlq list':
        admin.deadLetters(range, limit).forEach(print);
        return 0;
      case 'dlq show':
        admin.deadLetter(Number(rest[0])).forEach(print);
        return 0;
      case 'dlq redrive':
        print({ redriven: admin.redriveDeadLetters(range, now) });
        return 0;
      case 'quarantine list':
        admin.quarantine(range, limit).forEach(print);
        return 0;
      case 'quarantine show': {
        const row = admin.quarantined(Number(rest[0]));
        if (!row) return fail(out, `no quarantined request ${rest[0]}`);
        const text = new TextDecoder('utf-8', { fatal: false }).decode(row.body);
        print({ ...row, body: text, bodyBase64: row.body.toString('base64') });
        return 0;
      }
      case 'quarantine redrive':
        print(await redriveQuarantine(spool, admin, rest.length ? rest.map(Number) : admin.quarantinedIds(range)));
        return 0;
      case 'replay':
        if (range.since === undefined) return fail(out, 'replay needs --since');
        print({ queued: admin.replay(range, routes.filter((r) => !range.sink || r.name === range.sink), now) });
        return 0;
      default:
        return fail(out, usage);
    }
  } finally {
    spool.close();
  }
}

async function redriveQuarantine(spool: Spool, admin: ReturnType<typeof spoolAdmin>, ids: readonly number[]) {
  const result = { accepted: 0, duplicate: 0, stillInvalid: 0 };
  for (const qid of ids) {
    const row = admin.quarantined(qid);
    if (!row || row.vendor !== 'tencent') continue;
    const query = parseTencentQuery(new URLSearchParams(row.head.query ?? ''));
    const parsed = parseTencentBody(row.body, query);
    if (!parsed.ok) {
      admin.updateQuarantine(qid, parsed.reason, parsed.detail);
      result.stillInvalid += 1;
      continue;
    }
    const { event } = tencentEvent(query, parsed.body, parsed.text, row.received_at);
    result[await spool.append(event, row.received_at)] += 1;
    admin.removeQuarantine(qid);
  }
  return result;
}

function time(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const age = parseDuration(value);
  if (age !== undefined) return now - age;
  const at = Date.parse(value);
  if (Number.isNaN(at)) throw new Error(`not a time: ${value} (use an ISO time or an age such as 2h)`);
  return at;
}

function fail(out: (line: string) => void, message: string): number {
  out(message);
  return 2;
}

if (require.main === module) {
  let config: Config;
  try {
    config = loadConfigFromEnvironment(process.env, (path) => readFileSync(path, 'utf8'));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
  runCli(process.argv.slice(2), config, (line) => process.stdout.write(`${line}\n`)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
