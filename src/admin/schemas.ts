import { z } from 'zod';

/**
 * The admin API's inputs and outputs. Validation and the OpenAPI document (`openapi.ts`) both come
 * from these schemas. Times are given as ISO 8601 (`2026-01-01T00:00:00Z`) or milliseconds since the
 * epoch, and returned in milliseconds.
 */
/** The end of year 9999 in milliseconds since the epoch: the latest time any input may name. */
const latestMs = 253_402_300_799_999;
const time = z
  .union([z.string().regex(/^\d{1,15}$/), z.iso.datetime({ offset: true })])
  .transform((value) => (/^\d+$/.test(value) ? Number(value) : Date.parse(value)))
  .or(z.number().int().nonnegative())
  .pipe(z.number().int().nonnegative().max(latestMs, 'a time after the year 9999'))
  .describe('ISO 8601 time or milliseconds since the epoch');
const name = z.string().min(1).max(200);
const ids = (what: string) => z.array(z.number().int().positive()).min(1).max(10_000).describe(`only these ${what}`);

const notACursor = 'not a cursor of this list (the `next` of its previous page)';
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100).describe('most items (1–1000)'),
  after: z.string().regex(/^\d{1,15}$/, notACursor).optional().describe('the `next` cursor of the previous page'),
});

/** A dead-letter cursor as `deadLetters` makes it: base64url of `[deadAt, seq, sink]`. */
function isDeadCursor(value: string): boolean {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(value, 'base64url').toString());
  } catch {
    return false;
  }
  return Array.isArray(key) && key.length === 3 && Number.isSafeInteger(key[0]) && Number.isSafeInteger(key[1]) && typeof key[2] === 'string';
}

export const eventQuery = pageQuery.extend({
  vendor: name.optional(), command: name.optional(), app: name.optional(), conversation: name.optional().describe('either party, or the group/room'),
  sender: name.optional(), recipient: name.optional(), group: name.optional(), messageId: name.optional(),
  since: time.optional(), until: time.optional(),
});

const deadFilter = { sink: name.optional(), since: time.optional(), until: time.optional(), error: name.optional().describe('substring of the last error') };
export const deadLetterQuery = pageQuery.extend({
  ...deadFilter,
  after: z.string().max(400).regex(/^[A-Za-z0-9_-]+$/, notACursor).refine(isDeadCursor, notACursor).optional().describe('the `next` cursor of the previous page'),
});
export const deadLetterChange = z.strictObject({ ...deadFilter, seqs: ids('log positions').optional(), dryRun: z.boolean().default(false).describe('only count') });

const quarantineFilter = { vendor: name.optional(), reason: name.optional(), since: time.optional(), until: time.optional() };
export const quarantineQuery = pageQuery.extend(quarantineFilter);
export const quarantineChange = z.strictObject({ ...quarantineFilter, qids: ids('quarantine ids').optional(), dryRun: z.boolean().default(false).describe('only count') });

export const replayBody = z.strictObject({
  since: time.optional().describe('events received at or after this time (since or seqs is needed)'), until: time.optional(),
  seqs: ids('log positions').optional().describe('only these events (the `seq` of a search result)'),
  sink: name.optional().describe('one configured sink; every configured sink when absent'),
  dryRun: z.boolean().default(false).describe('only count'),
}).refine((body) => body.since !== undefined || body.seqs !== undefined, 'a replay needs since (a time range) or seqs (log positions)');
const preview = z.boolean().default(false).describe('only count, after the same checks');
export const pendingDropBody = z.strictObject({ sink: name.describe('a sink no longer configured'), dryRun: preview });
export const pendingMoveBody = z.strictObject({ sink: name.describe('a sink no longer configured'), to: name.describe('a configured sink'), dryRun: preview });

export const gapQuery = pageQuery.extend({
  kind: z.enum(['outage', 'sequence', 'window', 'hour']).optional().describe("outage: the gateway was down; sequence: Tencent group MsgSeq numbers that never arrived; window: a time window to read back from one vendor's history; hour: one hour of Easemob history reconciled"),
  state: z.enum(['open', 'filled', 'unfillable']).optional(), vendor: name.optional(),
});
const seq = z.number().int().positive().max(2 ** 32 - 1);
export const gapBody = z.strictObject({
  vendor: z.literal('tencent').describe('the vendor whose history is read (Tencent group history for now)'),
  app: z.string().regex(/^\d{1,12}$/).describe('the SdkAppid'), conversation: name.describe('the group id'),
  fromSeq: seq, untilSeq: seq.describe('the MsgSeq range to read, inclusive'),
  dryRun: z.boolean().default(false).describe('only count'),
});
export const gapParam = z.object({ gid: z.coerce.number().int().positive() });
export const gapSettleBody = z.strictObject({
  state: z.enum(['filled', 'unfillable']).describe('filled: the messages came another way; unfillable: accepted as lost (past the retention of the history, no backfill for the vendor)'),
  note: z.string().trim().min(1).max(500).describe('why, kept with the gap after "settled by <token name>: "'),
});
export const backfillBody = z.strictObject({
  vendor: name.describe('a vendor whose backfill is configured here'),
  app: name.optional().describe("only this app (Tencent SdkAppid); needed with conversations the gateway never saw"),
  since: time, until: time.describe('the window to read back'),
  conversations: z.array(z.string().regex(/^(user:[^:]+:[^:]+|(group|room):.+)$/, 'expected user:<account>:<account>, group:<id> or room:<id>').max(200)).min(1).max(1000).optional()
    .describe('only these conversations; absent: every one seen in BACKFILL_SEEN_RETENTION'),
  dryRun: z.boolean().default(false).describe('only count: the conversations it would read, or for Easemob the messages of its hour files the spool does not have'),
});
export const seqOrId = z.object({ id: z.string().min(1).max(200).describe('event id or log position') });
export const qidParam = z.object({ qid: z.coerce.number().int().positive() });
export const sinkParam = z.object({ sink: name });
export const jobParam = z.object({ id: z.string().min(1).max(200) });

// Outputs (documented; the handlers return these shapes).
const ms = z.number().int().describe('milliseconds since the epoch');
const eventSchema = z.object({ attributes: z.record(z.string(), z.unknown()), data: z.string(), message: z.string().optional() });
const storedEvent = z.object({ seq: z.number().int(), receivedAt: ms, event: eventSchema });
export const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), next: z.string().optional().describe('cursor of the next (older) page') });
export const sinkState = z.object({
  sink: z.string(), state: z.enum(['delivered', 'not_routed', 'pending', 'dead']), attempts: z.number().int().optional(), nextAt: ms.optional(),
  firstError: z.string().optional(), lastError: z.string().optional(), firstFailedAt: ms.optional(), deadAt: ms.optional(),
});
/** A search result: the stored event with where it stands with each sink. A short page with `next` means: ask again, the search goes on. */
export const eventPage = page(storedEvent.extend({ sinks: z.array(sinkState).optional() }));
export const eventDetail = z.object({ stored: storedEvent, sinks: z.array(sinkState) });
export const deadLetter = z.object({
  sink: z.string(), seq: z.number().int(), id: z.string(), type: z.string(), receivedAt: ms, attempts: z.number().int(),
  firstError: z.string().optional(), lastError: z.string().optional(), firstFailedAt: ms.optional(), deadAt: ms,
});
export const quarantineSummary = z.object({
  qid: z.number().int(), receivedAt: ms, vendor: z.string(), command: z.string().optional(), reason: z.string(), detail: z.string(), bytes: z.number().int(),
});
export const quarantineDetail = quarantineSummary.extend({
  head: z.object({ query: z.string().optional(), headers: z.record(z.string(), z.string()).optional() }),
  body: z.string().describe('the body as UTF-8 text (invalid bytes replaced)'), bodyBase64: z.string(),
});
export const stats = z.object({
  instance: z.string(), events: z.number().int(), firstSeq: z.number().int().optional(), lastSeq: z.number().int().optional(), storedBytes: z.number().int(),
  sinks: z.array(z.object({ sink: z.string(), pending: z.number().int(), oldestReceivedAt: ms.optional(), dead: z.number().int() })),
  quarantined: z.number().int(), configuredSinks: z.array(z.string()), pausedSinks: z.array(z.string()),
});
export const job = z.object({
  id: z.string(), action: z.string(), actor: z.string(), startedAt: ms, total: z.number().int(), state: z.enum(['running', 'done', 'failed']),
  done: z.number().int(), finishedAt: ms.optional(), result: z.record(z.string(), z.unknown()).optional(), error: z.string().optional(),
});
export const bulkResult = z.union([z.object({ dryRun: z.boolean(), count: z.number().int() }), z.object({ job })]).describe('a count (dry run, or a change done at once) or the started job');
export const auditEntry = z.object({ seq: z.number().int(), at: ms, actor: z.string(), action: z.string(), target: z.unknown(), count: z.number().int(), dryRun: z.boolean() });
export const pendingCounts = z.object({ items: z.array(z.object({ sink: z.string(), pending: z.number().int(), configured: z.boolean() })) });
export const gap = z.object({
  gid: z.number().int(), kind: z.enum(['outage', 'sequence', 'window', 'hour']), vendor: z.string().optional().describe('absent for an outage: every vendor'), app: z.string().optional(),
  conversation: z.string().optional().describe('the group whose sequence has the hole; for a window, the conversations it is limited to (a JSON array)'), fromAt: ms.describe('last time known good'), untilAt: ms.describe('first time known good again'),
  fromSeq: z.number().int().optional(), untilSeq: z.number().int().optional().describe('the missing numbers, inclusive'), detectedAt: ms,
  state: z.enum(['open', 'filled', 'unfillable']), note: z.string().optional(),
});
export const backfillResult = z.union([
  z.object({ dryRun: z.boolean(), count: z.number().int().describe('conversations it would read; for a history read as a whole app (Easemob), the messages not stored yet'), fromAt: z.number().int(), untilAt: z.number().int() }),
  gap,
]);
export const problem = z.object({ error: z.string(), message: z.string() });
export const pendingDropped = z.object({ dropped: z.number().int() });
export const pendingMoved = z.object({ moved: z.number().int(), to: z.string() });
export const sinkPaused = z.object({ sink: z.string(), paused: z.boolean() });
export const sinkSettings = z.object({
  items: z.array(z.object({
    name: z.string(), type: z.string(),
    settings: z.record(z.string(), z.unknown()).describe('effective settings, defaults applied; every secret (passwords, tokens, keys, header values, a URL\'s user, password and query values) reads [redacted]'),
  })),
});
