#!/usr/bin/env node
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfigFromEnvironment, parseDuration, sinkName, type Config } from './config';
import { sinkAccepts } from './pipeline/routing';
import { openSpool, type Spool } from './pipeline/spool';
import { spoolAdmin, type Range } from './pipeline/spool-admin';
import { natsReplayWarnings } from './sinks/nats-sink';
import { buildVendors } from './vendors/registry';
import type { Vendor } from './vendors/vendor';

interface Command {
  readonly usage: string;
  readonly summary: string;
  readonly options: readonly ('sink' | 'since' | 'until' | 'limit' | 'to')[];
  /** How many positional arguments after the command words: [min, max]. */
  readonly args: readonly [number, number];
}

const commands: Readonly<Record<string, Command>> = {
  'check-config': { usage: 'check-config', summary: 'validate the environment and CONFIG_FILE; report events pending for sinks no longer configured', options: [], args: [0, 0] },
  'spool stats': { usage: 'spool stats', summary: 'events, pending per sink, dead letters, quarantine', options: [], args: [0, 0] },
  'dlq list': { usage: 'dlq list [--sink S] [--since T] [--until T] [--limit N]', summary: 'dead letters, oldest first', options: ['sink', 'since', 'until', 'limit'], args: [0, 0] },
  'dlq show': { usage: 'dlq show <seq>', summary: 'one dead letter with its event', options: [], args: [1, 1] },
  'dlq redrive': { usage: 'dlq redrive [--sink S] [--since T] [--until T]', summary: "back to the sink's queue, due now", options: ['sink', 'since', 'until'], args: [0, 0] },
  'quarantine list': { usage: 'quarantine list [--since T] [--until T] [--limit N]', summary: 'quarantined requests', options: ['since', 'until', 'limit'], args: [0, 0] },
  'quarantine show': { usage: 'quarantine show <qid>', summary: 'one quarantined request, body as text and base64', options: [], args: [1, 1] },
  'quarantine redrive': { usage: 'quarantine redrive [<qid> …] [--since T] [--until T]', summary: 're-check with this version; valid ones become events', options: ['since', 'until'], args: [0, Infinity] },
  replay: { usage: 'replay --since T [--until T] [--sink S]', summary: 'deliver stored events again', options: ['sink', 'since', 'until'], args: [0, 0] },
  'pending drop': { usage: 'pending drop --sink S', summary: 'remove the events pending for a sink that is no longer configured', options: ['sink'], args: [0, 0] },
  'pending move': { usage: 'pending move --sink S --to T', summary: 'hand the events pending for a sink no longer configured to configured sink T', options: ['sink', 'to'], args: [0, 0] },
};

const timeHelp = 'T is an ISO 8601 time (2026-01-01T00:00:00Z) or an age before now (30m, 2h, 7d). Times are printed in ISO 8601 (UTC).';
const usage = `Usage: imgw <command> [options]      (node dist/cli.js …, with the service's environment)
${Object.values(commands)
  .map((c) => `  ${c.usage.padEnd(56)} ${c.summary}`)
  .join('\n')}
  <command> --help                                         this command's usage
${timeHelp}
Output is JSON (one object per line for lists). Exit 0 done, 1 not found or refused, 2 usage error.`;

export interface CliOutput {
  /** One line of the command's result (JSON). */
  readonly out: (line: string) => void;
  /** Usage errors and refusals. */
  readonly err: (line: string) => void;
}

class UsageError extends Error {}
class Refused extends Error {}

const positiveId = (what: string) => z.coerce.number({ error: `${what} must be a positive integer` }).int(`${what} must be a positive integer`).positive(`${what} must be a positive integer`);
const limitSchema = z.coerce.number({ error: '--limit must be an integer from 1 to 100000' }).int('--limit must be an integer from 1 to 100000').min(1, '--limit must be an integer from 1 to 100000').max(100_000, '--limit must be an integer from 1 to 100000');

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new UsageError(result.error.issues[0]?.message ?? 'invalid value');
  return result.data;
}

/** Operator commands. Each prints JSON (one object per line for lists) and returns an exit code. */
export async function runCli(argv: readonly string[], config: Config, io: CliOutput, now = Date.now()): Promise<number> {
  try {
    return await run(argv, config, io, now);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n${usage}`);
      return 2;
    }
    if (error instanceof Refused) {
      io.err(error.message);
      return 1;
    }
    throw error;
  }
}

async function run(argv: readonly string[], config: Config, io: CliOutput, now: number): Promise<number> {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const name = positionals.length === 0 ? undefined : commands[positionals[0] as string] ? (positionals[0] as string) : `${positionals[0]} ${positionals[1] ?? ''}`.trim();
  if (name === undefined) {
    if (values.help) return io.out(usage), 0;
    throw new UsageError('no command given');
  }
  const command = commands[name];
  if (!command) throw new UsageError(`unknown command: ${name}`);
  if (values.help) return io.out(`Usage: imgw ${command.usage}\n  ${command.summary}\n${command.options.some((o) => o === 'since' || o === 'until') ? `${timeHelp}\n` : ''}`), 0;
  const args = positionals.slice(name.split(' ').length);
  for (const option of ['sink', 'since', 'until', 'limit', 'to'] as const) {
    if (values[option] !== undefined && !command.options.includes(option)) throw new UsageError(`${name} does not take --${option}`);
  }
  if (args.length < command.args[0] || args.length > command.args[1]) throw new UsageError(`usage: imgw ${command.usage}`);
  const limit = parse(limitSchema.default(100), values.limit);
  const range: Range = { sink: values.sink, since: time('--since', values.since, now), until: time('--until', values.until, now) };
  const print = (value: unknown) => io.out(JSON.stringify(value));
  const configured = config.sinks.map(sinkName);

  const path = resolve(join(config.dataDir, 'spool.db'));
  if (name === 'check-config') {
    const orphans = existsSync(path) ? withSpool(config, path, (spool) => spoolAdmin(spool.db).pendingCounts().filter((row) => !configured.includes(row.sink))) : [];
    print({ ok: true, ackMode: config.ackMode, dataDir: config.dataDir, sinks: configured, ...(orphans.length ? { orphanedPending: orphans } : {}) });
    return 0;
  }
  if (!existsSync(path)) throw new Refused(`no spool at ${path}: set DATA_DIR to the service's data directory (nothing was created)`);
  if (name === 'replay' && range.since === undefined) throw new UsageError('replay needs --since');

  return withSpool(config, path, async (spool) => {
    const admin = spoolAdmin(spool.db);
    const known = new Set([...configured, ...admin.pendingCounts().map((r) => r.sink), ...spool.deadLetterCounts().map((r) => r.sink)]);
    if (range.sink !== undefined && !known.has(range.sink)) {
      throw new UsageError(`unknown sink: ${range.sink} (configured: ${configured.join(', ') || 'none'})`);
    }
    switch (name) {
      case 'spool stats': {
        const stats = admin.stats();
        print({ ...stats, pending: stats.pending.map(isoTimes), orphanedPending: stats.pending.filter((row) => !configured.includes(row.sink)).map((row) => row.sink) });
        return 0;
      }
      case 'dlq list':
        admin.deadLetters(range, limit).forEach((row) => print(isoTimes(row)));
        return 0;
      case 'dlq show': {
        const seq = parse(positiveId('seq'), args[0]);
        const rows = admin.deadLetter(seq);
        if (rows.length === 0) throw new Refused(`no dead letter with seq ${seq}`);
        rows.forEach((row) => print(isoTimes(row)));
        return 0;
      }
      case 'dlq redrive':
        print({ redriven: admin.redriveDeadLetters(range, now) });
        return 0;
      case 'quarantine list':
        admin.quarantine(range, limit).forEach((row) => print(isoTimes(row)));
        return 0;
      case 'quarantine show': {
        const qid = parse(positiveId('qid'), args[0]);
        const row = admin.quarantined(qid);
        if (!row) throw new Refused(`no quarantined request with qid ${qid}`);
        const text = new TextDecoder('utf-8', { fatal: false }).decode(row.body);
        print(isoTimes({ ...row, body: text, bodyBase64: row.body.toString('base64') }));
        return 0;
      }
      case 'quarantine redrive': {
        const ids = args.length ? args.map((arg) => parse(positiveId('qid'), arg)) : admin.quarantinedIds(range);
        print(await redriveQuarantine(spool, admin, buildVendors(config.vendors, { clock: () => now, relayKeys: config.relayKeys }).active, ids));
        return 0;
      }
      case 'replay':
        for (const warning of natsReplayWarnings(config.sinks.filter((s) => !range.sink || sinkName(s) === range.sink), range.since ?? now, now)) io.err(`warning: ${warning}`);
        print({ queued: admin.replay(range, routesOf(config).filter((r) => !range.sink || r.name === range.sink), now) });
        return 0;
      case 'pending drop':
      case 'pending move': {
        const sink = values.sink;
        if (sink === undefined) throw new UsageError(`usage: imgw ${command.usage}`);
        if (configured.includes(sink)) throw new Refused(`sink ${sink} is configured: its events are being delivered; only a sink no longer in CONFIG_FILE can be dropped or moved`);
        if (name === 'pending drop') {
          print({ dropped: admin.dropPending(sink) });
          return 0;
        }
        const to = values.to;
        if (to === undefined) throw new UsageError(`usage: imgw ${command.usage}`);
        if (!configured.includes(to)) throw new UsageError(`unknown sink: ${to} (configured: ${configured.join(', ') || 'none'})`);
        print({ moved: admin.movePending(sink, to, now), to });
        return 0;
      }
      default:
        throw new UsageError(`unknown command: ${name}`);
    }
  });
}

function parseOptions(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      sink: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      limit: { type: 'string' },
      to: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function routesOf(config: Config) {
  return config.sinks.map((s) => ({ name: sinkName(s), accepts: sinkAccepts(s) }));
}

function withSpool<T>(config: Config, path: string, work: (spool: Spool) => T): T {
  const spool = openSpool({ path, sinks: routesOf(config) });
  let result: T;
  try {
    result = work(spool);
  } catch (error) {
    spool.close();
    throw error;
  }
  if (result instanceof Promise) return result.finally(() => spool.close()) as T;
  spool.close();
  return result;
}

/** Millisecond times (`…At`, `oldest`, `received_at`, `dead_at`) become ISO 8601 strings. */
function isoTimes(row: unknown): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...(row as Record<string, unknown>) };
  for (const [key, value] of Object.entries(copy)) {
    if (typeof value === 'number' && (/At$|_at$/.test(key) || key === 'oldest')) copy[key] = new Date(value).toISOString();
  }
  return copy;
}

/**
 * Re-checks quarantined requests through the vendor that received them (it authenticated them then;
 * the stored head has its secrets redacted). Rows of a vendor not configured now are left alone.
 */
async function redriveQuarantine(spool: Spool, admin: ReturnType<typeof spoolAdmin>, vendors: readonly Vendor[], ids: readonly number[]) {
  const result = { accepted: 0, duplicate: 0, ignored: 0, stillInvalid: 0, missing: 0, vendorNotConfigured: 0 };
  for (const qid of ids) {
    const row = admin.quarantined(qid);
    if (!row) {
      result.missing += 1;
      continue;
    }
    const vendor = vendors.find((v) => v.name === row.vendor);
    if (!vendor) {
      result.vendorNotConfigured += 1;
      continue;
    }
    const head = { query: new URLSearchParams(row.head.query ?? ''), headers: { ...row.head.headers } };
    const intake = vendor.toEvent(head, row.body, row.received_at);
    if (intake.kind === 'invalid') {
      admin.updateQuarantine(qid, intake.reason, intake.detail);
      result.stillInvalid += 1;
      continue;
    }
    if (intake.kind === 'event') result[await spool.append(intake.event, row.received_at)] += 1;
    else result.ignored += 1;
    admin.removeQuarantine(qid);
  }
  return result;
}

function time(option: string, value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const age = parseDuration(value);
  if (age !== undefined) return now - age;
  const at = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at)) throw new UsageError(`${option}: not a time: ${value} (use an ISO 8601 time such as 2026-01-01T00:00:00Z or an age such as 2h)`);
  return at;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  let config: Config;
  try {
    config = loadConfigFromEnvironment(process.env, (path) => readFileSync(path, 'utf8'));
  } catch (error) {
    // Help needs no configuration; every other command does.
    if (!argv.includes('--help') && !argv.includes('-h')) {
      process.stderr.write(`${(error as Error).message}\n`);
      process.exit(2);
    }
    config = loadConfigFromEnvironment({}, (path) => readFileSync(path, 'utf8'));
  }
  const io: CliOutput = { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`) };
  runCli(argv, config, io).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
