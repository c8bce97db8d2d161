import { z } from 'zod';
import type { AdminClient } from '../admin/client';
import type { SpoolFile } from '../pipeline/spool/compact';
import type { Job } from '../pipeline/admin-jobs';
import { replayWarnings } from '../sinks/registry';
import { sinkName, type Config } from '../config';
import { isoTimes, listNewest, waitForJob } from './output';

export type Option = 'sink' | 'since' | 'until' | 'limit' | 'to' | 'yes' | 'vendor' | 'app' | 'conversation' | 'dry-run' | 'kind' | 'state' | 'note';

/** What a command's run gets: the admin API (over HTTP or in process), its parsed arguments and output. */
export interface CommandContext {
  readonly client: AdminClient;
  readonly config: Config;
  readonly args: readonly string[];
  readonly sink?: string;
  readonly to?: string;
  readonly vendor?: string;
  readonly app?: string;
  /** `--conversation`, repeatable. */
  readonly conversations?: readonly string[];
  readonly dryRun?: boolean;
  readonly kind?: string;
  readonly state?: string;
  readonly note?: string;
  readonly since?: number;
  readonly until?: number;
  readonly limit: number;
  readonly now: number;
  readonly print: (value: unknown) => void;
  readonly warn: (line: string) => void;
  /** For a destructive command: true once confirmed (`--yes` or a TTY answer); `plan` says what it will do. */
  readonly confirm: (plan: string) => Promise<boolean>;
  /** The spool's file, for an `offline` command (the gateway stopped, its lock held here). */
  readonly spoolFile?: SpoolFile;
}

export interface Command {
  readonly usage: string;
  readonly summary: string;
  readonly options: readonly Option[];
  /** How many positional arguments after the command words: [min, max]. */
  readonly args: readonly [number, number];
  /** Needs no spool (runs before one is looked for). */
  readonly standalone?: boolean;
  /** Works on the spool's file with the gateway stopped, not through the admin API; refused while a gateway runs. */
  readonly offline?: boolean;
  readonly run: (ctx: CommandContext) => Promise<number>;
}

/** A usage error; `usage` is the usage to print with it (the whole tool's when absent). */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message);
  }
}
export class Refused extends Error {}

const positiveId = (what: string) => z.coerce.number({ error: `${what} must be a positive integer` }).int(`${what} must be a positive integer`).positive(`${what} must be a positive integer`);
export function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new UsageError(result.error.issues[0]?.message ?? 'invalid value');
  return result.data;
}

const deadFilter = (c: CommandContext) => ({ sink: c.sink, since: c.since, until: c.until });
const configured = (c: CommandContext) => c.config.sinks.map(sinkName);
type Stats = { events: number; sinks: { sink: string; pending: number; oldestReceivedAt?: number; dead: number }[]; quarantined: number };
type Bulk = { dryRun: boolean; count: number } | { job: Job };


/** Runs a change that may become a job and resolves its result once it has finished. */
async function change(c: CommandContext, path: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const answer = (await c.client.call('post', path, { body })) as Bulk | Record<string, unknown>;
  return 'job' in answer ? waitForJob(c.client, answer.job as Job, c.warn) : answer;
}

/** Counts first, then asks (a destructive command), then does it. */
async function confirmed(c: CommandContext, path: string, body: Record<string, unknown>, plan: (count: number) => string): Promise<Record<string, unknown> | undefined> {
  const preview = (await c.client.call('post', path, { body: { ...body, dryRun: true } })) as Record<string, number>;
  const count = preview['count'] ?? preview['dropped'] ?? preview['moved'] ?? 0;
  if (!(await c.confirm(plan(count)))) return undefined;
  return change(c, path, body);
}

export const commands: Readonly<Record<string, Command>> = {
  'check-config': {
    usage: 'check-config', summary: 'validate the environment and CONFIG_FILE; report events pending for sinks no longer configured', options: [], args: [0, 0], standalone: true,
    run: async (c) => {
      const pending = (await c.client.call('get', '/pending')) as { items: { sink: string; pending: number }[] };
      const orphans = pending.items.filter((row) => row.pending > 0 && !configured(c).includes(row.sink)).map(({ sink, pending: n }) => ({ sink, pending: n }));
      c.print({ ok: true, ackMode: c.config.ackMode, dataDir: c.config.dataDir, sinks: configured(c), ...(orphans.length ? { orphanedPending: orphans } : {}) });
      return 0;
    },
  },
  'spool stats': {
    usage: 'spool stats', summary: 'events, pending per sink, dead letters, quarantine', options: [], args: [0, 0],
    run: async (c) => {
      const stats = (await c.client.call('get', '/stats')) as Stats;
      const pending = stats.sinks.filter((s) => s.pending > 0);
      c.print({
        events: stats.events,
        pending: pending.map((s) => isoTimes({ sink: s.sink, pending: s.pending, oldest: s.oldestReceivedAt })),
        deadLetters: stats.sinks.filter((s) => s.dead > 0).map((s) => ({ sink: s.sink, count: s.dead })),
        quarantined: stats.quarantined,
        orphanedPending: pending.filter((s) => !configured(c).includes(s.sink)).map((s) => s.sink),
      });
      return 0;
    },
  },
  'spool compact': {
    usage: 'spool compact [--dry-run] [--yes]', summary: "give the spool file's free pages back to the disk (with the gateway stopped)", options: ['dry-run', 'yes'], args: [0, 0], offline: true,
    run: async (c) => {
      const file = c.spoolFile as SpoolFile;
      const before = file.use();
      if (c.dryRun) return c.print({ dryRun: true, ...before }), 0;
      if (!(await c.confirm(`spool compact: rewrites ${file.path} (${before.fileBytes} bytes) without its ${before.freeBytes} free bytes; it needs free disk space of about twice the live data`))) return 1;
      const { after } = file.compact();
      c.print({ fileBytes: after.fileBytes, freed: Math.max(0, before.fileBytes - after.fileBytes) });
      return 0;
    },
  },
  'dlq list': {
    usage: 'dlq list [--sink S] [--since T] [--until T] [--limit N]', summary: 'the newest dead letters, printed oldest first', options: ['sink', 'since', 'until', 'limit'], args: [0, 0],
    run: async (c) => {
      for (const row of await listNewest(c.client, '/dead-letters', deadFilter(c), c.limit)) c.print(isoTimes(row));
      return 0;
    },
  },
  'dlq show': {
    usage: 'dlq show <seq>', summary: 'one dead letter with its event', options: [], args: [1, 1],
    run: async (c) => {
      const seq = parse(positiveId('seq'), c.args[0]);
      const detail = (await c.client.call('get', `/events/${seq}`).catch(() => undefined)) as
        | { stored: { seq: number; receivedAt: number; event: { attributes: { id: string }; data: string } }; sinks: Record<string, unknown>[] }
        | undefined;
      const dead = detail?.sinks.filter((s) => s['state'] === 'dead') ?? [];
      if (!detail || dead.length === 0) throw new Refused(`no dead letter with seq ${seq}`);
      for (const s of dead) {
        c.print(isoTimes({
          sink: s['sink'], seq, receivedAt: detail.stored.receivedAt, attempts: s['attempts'], firstError: s['firstError'] ?? null, lastError: s['lastError'] ?? null,
          firstFailedAt: s['firstFailedAt'] ?? null, deadAt: s['deadAt'], id: detail.stored.event.attributes.id, attributes: JSON.stringify(detail.stored.event.attributes), data: detail.stored.event.data,
        }));
      }
      return 0;
    },
  },
  'dlq redrive': {
    usage: 'dlq redrive [--sink S] [--since T] [--until T]', summary: "back to the sink's queue, due now", options: ['sink', 'since', 'until'], args: [0, 0],
    run: async (c) => {
      c.print({ redriven: (await change(c, '/dead-letters/redrive', deadFilter(c)))['count'] });
      return 0;
    },
  },
  'dlq drop': {
    usage: 'dlq drop [--sink S] [--since T] [--until T] [--yes]', summary: 'remove dead letters for good', options: ['sink', 'since', 'until', 'yes'], args: [0, 0],
    run: async (c) => {
      const done = await confirmed(c, '/dead-letters/drop', deadFilter(c), (n) => `dlq drop: removes ${n} dead letter(s)${c.sink ? ` of sink ${c.sink}` : ''} for good`);
      if (!done) return 1;
      c.print({ dropped: done['count'] });
      return 0;
    },
  },
  'quarantine list': {
    usage: 'quarantine list [--since T] [--until T] [--limit N]', summary: 'the newest quarantined requests, printed oldest first', options: ['since', 'until', 'limit'], args: [0, 0],
    run: async (c) => {
      for (const row of await listNewest(c.client, '/quarantine', { since: c.since, until: c.until }, c.limit)) c.print(isoTimes(row));
      return 0;
    },
  },
  'quarantine show': {
    usage: 'quarantine show <qid>', summary: 'one quarantined request, body as text and base64', options: [], args: [1, 1],
    run: async (c) => {
      const qid = parse(positiveId('qid'), c.args[0]);
      const entry = (await c.client.call('get', `/quarantine/${qid}`).catch(() => undefined)) as Record<string, unknown> | undefined;
      if (!entry) throw new Refused(`no quarantined request with qid ${qid}`);
      const { receivedAt, ...rest } = entry;
      c.print(isoTimes({ ...rest, receivedAt }));
      return 0;
    },
  },
  'quarantine redrive': {
    usage: 'quarantine redrive [<qid> …] [--since T] [--until T]', summary: 're-check with this version; valid ones become events', options: ['since', 'until'], args: [0, Infinity],
    run: async (c) => {
      const qids = c.args.length ? c.args.map((arg) => parse(positiveId('qid'), arg)) : undefined;
      const { count: _count, ...tally } = await change(c, '/quarantine/redrive', { since: c.since, until: c.until, qids });
      c.print(tally);
      return 0;
    },
  },
  'quarantine drop': {
    usage: 'quarantine drop [<qid> …] [--since T] [--until T] [--yes]', summary: 'remove quarantined requests for good', options: ['since', 'until', 'yes'], args: [0, Infinity],
    run: async (c) => {
      const qids = c.args.length ? c.args.map((arg) => parse(positiveId('qid'), arg)) : undefined;
      const done = await confirmed(c, '/quarantine/drop', { since: c.since, until: c.until, qids }, (n) => `quarantine drop: removes ${n} quarantined request(s) for good`);
      if (!done) return 1;
      c.print({ dropped: done['count'] });
      return 0;
    },
  },
  replay: {
    usage: 'replay --since T [--until T] [--sink S]', summary: 'deliver stored events again', options: ['sink', 'since', 'until'], args: [0, 0],
    run: async (c) => {
      if (c.since === undefined) throw new UsageError('replay needs --since');
      for (const warning of replayWarnings(c.config.sinks.filter((s) => !c.sink || sinkName(s) === c.sink), c.since ?? c.now, c.now)) c.warn(`warning: ${warning}`);
      c.print({ queued: (await change(c, '/replay', { since: c.since, until: c.until, sink: c.sink }))['count'] });
      return 0;
    },
  },
  'pending drop': {
    usage: 'pending drop --sink S [--yes]', summary: 'remove the events pending for a sink that is no longer configured', options: ['sink', 'yes'], args: [0, 0],
    run: async (c) => {
      if (c.sink === undefined) throw new UsageError('usage: imgw pending drop --sink S');
      const done = await confirmed(c, '/pending/drop', { sink: c.sink }, (n) => `pending drop: removes the ${n} event(s) pending for sink ${c.sink} (and its dead letters) for good`);
      if (!done) return 1;
      c.print({ dropped: done['dropped'] });
      return 0;
    },
  },
  'pending move': {
    usage: 'pending move --sink S --to T [--yes]', summary: 'hand the events pending for a sink no longer configured to configured sink T', options: ['sink', 'to', 'yes'], args: [0, 0],
    run: async (c) => {
      if (c.sink === undefined || c.to === undefined) throw new UsageError('usage: imgw pending move --sink S --to T');
      const done = await confirmed(c, '/pending/move', { sink: c.sink, to: c.to }, (n) => `pending move: hands the ${n} event(s) pending for sink ${c.sink} to sink ${c.to}`);
      if (!done) return 1;
      c.print({ moved: done['moved'], to: c.to });
      return 0;
    },
  },
  'sink pause': {
    usage: 'sink pause --sink S', summary: 'hold back deliveries to a sink of the running service until resumed (kept across restarts)', options: ['sink'], args: [0, 0],
    run: async (c) => {
      if (c.sink === undefined) throw new UsageError('usage: imgw sink pause --sink S');
      c.print(await c.client.call('post', `/sinks/${encodeURIComponent(c.sink)}/pause`));
      return 0;
    },
  },
  'sink resume': {
    usage: 'sink resume --sink S', summary: 'resume deliveries to a paused sink', options: ['sink'], args: [0, 0],
    run: async (c) => {
      if (c.sink === undefined) throw new UsageError('usage: imgw sink resume --sink S');
      c.print(await c.client.call('post', `/sinks/${encodeURIComponent(c.sink)}/resume`));
      return 0;
    },
  },
  backfill: {
    usage: 'backfill --vendor V --since T [--until T] [--app A] [--conversation C …] [--dry-run] [--yes]',
    summary: "read a time window back from a vendor's history (C: user:A:B, group:G, room:R; default every conversation seen)", options: ['vendor', 'app', 'since', 'until', 'conversation', 'dry-run', 'yes'], args: [0, 0],
    run: async (c) => {
      if (c.vendor === undefined || c.since === undefined) throw new UsageError('usage: imgw backfill --vendor V --since T [--until T] [--conversation C …] [--dry-run] [--yes]');
      const body = { vendor: c.vendor, app: c.app, since: c.since, until: c.until ?? c.now, conversations: c.conversations };
      if (c.dryRun) {
        c.print(isoTimes(await c.client.call('post', '/backfill', { body: { ...body, dryRun: true } })));
        return 0;
      }
      const done = await confirmed(c, '/backfill', body, (n) => `backfill: reads ${c.vendor}'s history from ${new Date(body.since).toISOString()} to ${new Date(body.until).toISOString()} in ${n} conversation(s) (for vendors read per conversation; for Easemob, ${n} message(s) not stored yet), behind its rate limit`);
      if (!done) return 1;
      c.print(isoTimes(done));
      return 0;
    },
  },
  'gaps list': {
    usage: 'gaps list [--kind K] [--state S] [--vendor V] [--limit N]', summary: 'the newest windows of possibly missed messages (outage, sequence, window, hour), printed oldest first', options: ['kind', 'state', 'vendor', 'limit'], args: [0, 0],
    run: async (c) => {
      for (const row of await listNewest(c.client, '/gaps', { kind: c.kind, state: c.state, vendor: c.vendor }, c.limit)) c.print(isoTimes(row));
      return 0;
    },
  },
  'gaps settle': {
    usage: 'gaps settle <gid> --state filled|unfillable --note TEXT', summary: 'settle an open gap by hand (the messages came another way, or are accepted as lost)', options: ['state', 'note'], args: [1, 1],
    run: async (c) => {
      const gid = parse(positiveId('gid'), c.args[0]);
      if (c.state === undefined || c.note === undefined) throw new UsageError('usage: imgw gaps settle <gid> --state filled|unfillable --note TEXT');
      c.print(isoTimes(await c.client.call('post', `/gaps/${gid}/settle`, { body: { state: c.state, note: c.note } })));
      return 0;
    },
  },
  audit: {
    usage: 'audit [--limit N]', summary: 'the audit trail of operator changes, newest first', options: ['limit'], args: [0, 0],
    run: async (c) => {
      const page = (await c.client.call('get', '/audit', { query: { limit: Math.min(c.limit, 1000) } })) as { items: unknown[] };
      for (const row of page.items) c.print(isoTimes(row));
      return 0;
    },
  },
};
