#!/usr/bin/env node
// First: on a Node too old for the spool, stop with a message that says what to install.
import './supported-node';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { AdminCallError, type AdminClient } from './admin/client';
import { loadConfigFromEnvironment, parseDuration, type Config } from './config';
import { spoolExists, spoolPath, withAdmin, withStoppedSpool, type RemoteSettings } from './cli/backend';
import { commands, parse, Refused, UsageError, type Command, type Option } from './cli/commands';

const timeHelp = 'T is an ISO 8601 time (2026-01-01T00:00:00Z) or an age before now (30m, 2h, 7d). Times are printed in ISO 8601 (UTC).';
const usageColumn = 56;
const commandHelp = { usage: '<command> --help', summary: "this command's usage" };
/** One command in a list: its summary in one column, on the next line when the usage reaches it. */
function usageLine(command: Pick<Command, 'usage' | 'summary'>): string {
  const head = `  ${command.usage}`;
  return head.length <= usageColumn + 2 ? `${head.padEnd(usageColumn + 2)} ${command.summary}` : `${head}\n${' '.repeat(usageColumn + 3)}${command.summary}`;
}
const usage = `Usage: imgw <command> [options]      (node dist/cli.js …, with the service's environment)
${Object.values(commands).map(usageLine).join('\n')}
${usageLine(commandHelp)}
${timeHelp}
While the service runs, commands go through its admin API (ADMIN_URL and ADMIN_TOKEN, or DATA_DIR/admin.json);
otherwise they open the spool here, holding its lock. Destructive commands say what they will do and need --yes.
Output is JSON (one object per line for lists). Exit 0 done, 1 not found or refused, 2 usage error.`;

export interface CliOutput {
  /** One line of the command's result (JSON). */
  readonly out: (line: string) => void;
  /** Usage errors, refusals, plans and warnings. */
  readonly err: (line: string) => void;
  /** Asks a yes/no question (a TTY); absent: destructive commands need --yes. */
  readonly ask?: (question: string) => Promise<boolean>;
}

const limitSchema = z.coerce.number({ error: '--limit must be an integer from 1 to 100000' }).int('--limit must be an integer from 1 to 100000').min(1, '--limit must be an integer from 1 to 100000').max(100_000, '--limit must be an integer from 1 to 100000');

/** Operator commands. Each prints JSON (one object per line for lists) and returns an exit code. */
export async function runCli(argv: readonly string[], config: Config, io: CliOutput, now = Date.now(), remote: RemoteSettings = {}): Promise<number> {
  try {
    return await run(argv, config, io, now, remote);
  } catch (error) {
    if (error instanceof UsageError || (error instanceof AdminCallError && error.status === 400)) {
      io.err(`${error.message}\n${error instanceof UsageError && error.usage ? error.usage : usage}`);
      return 2;
    }
    if (error instanceof Refused || error instanceof AdminCallError) {
      io.err(error.message);
      return 1;
    }
    throw error;
  }
}

async function run(argv: readonly string[], config: Config, io: CliOutput, now: number, remote: RemoteSettings): Promise<number> {
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
  const command: Command | undefined = commands[name];
  if (!command) {
    const group = positionals[0] as string;
    const listed = groupUsage(group);
    if (!listed) throw new UsageError(`unknown command: ${name}`);
    if (values.help) return io.out(listed), 0;
    throw new UsageError(positionals.length > 1 ? `${group} needs a command (${positionals[1]} is none of its)` : `${group} needs a command`, listed);
  }
  const commandUsage = `Usage: imgw ${command.usage}\n  ${command.summary}\n${command.options.some((o) => o === 'since' || o === 'until') ? `${timeHelp}\n` : ''}`;
  if (values.help) return io.out(commandUsage), 0;
  const args = positionals.slice(name.split(' ').length);
  for (const option of ['sink', 'since', 'until', 'limit', 'to', 'yes', 'vendor', 'app', 'conversation', 'dry-run', 'kind', 'state', 'note'] as const satisfies readonly Option[]) {
    if (values[option] !== undefined && !command.options.includes(option)) throw new UsageError(`${name} does not take --${option}`);
  }
  if (args.length < command.args[0] || args.length > command.args[1]) throw new UsageError(`usage: imgw ${command.usage}`);
  const context = {
    config, args, now,
    sink: values.sink, to: values.to, vendor: values.vendor, app: values.app, conversations: values.conversation, dryRun: values['dry-run'] ?? false,
    kind: values.kind, state: values.state, note: values.note,
    since: time('--since', values.since, now), until: time('--until', values.until, now),
    limit: parse(limitSchema.default(100), values.limit),
    print: (value: unknown) => io.out(JSON.stringify(value)),
    warn: io.err,
    confirm: async (plan: string) => {
      if (values.yes) return true;
      if (io.ask) return io.ask(`${plan}. Proceed? [y/N] `);
      io.err(`${plan}; nothing was changed: run again with --yes to do it`);
      return false;
    },
  };
  if (name === 'replay' && context.since === undefined) throw new UsageError('replay needs --since', commandUsage);
  if (!spoolExists(config)) {
    // check-config needs no spool; every other command refuses rather than create one.
    if (command.standalone) return command.run({ ...context, client: emptySpool });
    throw new Refused(`no spool at ${spoolPath(config)}: set DATA_DIR to the service's data directory (nothing was created)`);
  }
  if (command.offline) return withStoppedSpool(config, name, (file) => command.run({ ...context, client: noAdmin, spoolFile: file }));
  return withAdmin(config, remote, () => now, (client) => command.run({ ...context, client }));
}

/** The commands of a group (`dlq`, `quarantine`, …), or undefined when no command starts with that word. */
function groupUsage(group: string): string | undefined {
  const members = Object.entries(commands).filter(([name]) => name.startsWith(`${group} `));
  if (members.length === 0) return undefined;
  return `Usage: imgw ${group} <command> [options]\n${members.map(([, c]) => usageLine(c)).join('\n')}\n${usageLine(commandHelp)}`;
}

/** Stands in for the admin API where there is no spool yet: nothing is pending. */
const emptySpool: AdminClient = { call: async () => ({ items: [] }) };
/** An offline command's admin API: there is none, it works on the file. */
const noAdmin: AdminClient = {
  call: async () => {
    throw new Refused('this command works on the spool file, not through the admin API');
  },
};

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
      vendor: { type: 'string' },
      app: { type: 'string' },
      conversation: { type: 'string', multiple: true },
      'dry-run': { type: 'boolean' },
      kind: { type: 'string' },
      state: { type: 'string' },
      note: { type: 'string' },
      yes: { type: 'boolean', short: 'y' },
      help: { type: 'boolean', short: 'h' },
    },
  });
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
  const ask = async (question: string) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return /^y(es)?$/i.test((await rl.question(question)).trim());
    } finally {
      rl.close();
    }
  };
  const io: CliOutput = { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`), ask: process.stdin.isTTY ? ask : undefined };
  const remote = { url: process.env['ADMIN_URL'], token: process.env['ADMIN_TOKEN'] };
  runCli(argv, config, io, Date.now(), remote).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
