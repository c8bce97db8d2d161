import { z } from 'zod';
import type { Event } from '../events/event';
import { routeFilterSchema } from '../events/route-filter';

/**
 * A destination for events. The dispatcher owns retries, backoff, dead letters, timeouts, circuits
 * and metrics; a sink only writes and says, per event, what happened.
 *
 * **Calls.** The dispatcher calls `write` at most `concurrency` times at once for one sink (with the
 * default 1: one call at a time, batches in acceptance order), never after `close` has been called.
 * A batch is never empty. The registry wraps every sink it builds (`guard.ts`): a `write` or `check`
 * with an already aborted signal, or after `close`, is refused there and never reaches the sink.
 *
 * **Outcome of `write`**, decided when the returned promise settles:
 * - **resolves** (with nothing): every event of the batch is durably at the target (acknowledged by
 *   it, fsynced, committed: whatever "stored" means there). Never resolve earlier.
 * - **rejects with a {@link BatchError}**: the events at the indices in `failures` were not delivered,
 *   each for its own reason (classified below); **every other event of the batch was delivered**.
 *   Use it when the target answers per event (one row refused, one publish failed). A sink that must
 *   keep strict order reports every event after the first failed one as failed too.
 * - **rejects with any other value**: the whole batch failed with that reason. Some events may still
 *   have reached the target; they will be written again, which the contract allows (below).
 *
 * **Reasons** (for a whole batch or for one event in a `BatchError`):
 * - {@link PermanentSinkError}: retrying cannot help (HTTP 400, a value the target can never store):
 *   the event goes to dead letters at once, without holding back the events behind it.
 * - {@link RetryLaterError}: the target asked for a pause: retried no sooner than `retryAfterMs`.
 * - anything else: transient; retried with exponential backoff and full jitter until the sink's
 *   `maxAttempts` or `maxAgeMs` moves it to dead letters. A retried event holds back the later events
 *   of its sink (order), so a failure that will happen again on every attempt must be permanent.
 *
 * **Blocking and cancellation.** `write` must honour `signal` (the sink's `timeoutMs`, or shutdown):
 * once it aborts during the call, start no new I/O and reject promptly with `signal.reason`. The dispatcher does not
 * wait: at abort it counts the whole batch as failed (timeout) and writes it again later, possibly
 * while I/O of the aborted call is still in flight. So **a write must tolerate its events coming
 * again** (retry, timeout, redelivery after a crash): `attributes.id` is stable, and a target or sink
 * that can de-duplicate by it must; one that cannot must at least never interleave an aborted write
 * with its retry (serialize, then skip what the earlier call stored). An event marked `replayed` is an
 * operator's deliberate replay: a sink that skips ids it may already hold must write it all the same.
 *
 * **Health check** (optional, for sinks with a target that can be away): `check` proves, without
 * writing an event, that a write could succeed now: it reaches the target (connects, asks it something
 * cheap) and what the sink needs there is in place (JetStream, the stream, the table, a writable file).
 * It resolves when so; otherwise it rejects with an `Error` whose message names the address (without
 * credentials, see `addresses.ts`) and the cause. It may run at any time, also beside writes, and may
 * do what the first write would do anyway (connect, create the stream or table). It honours `signal`:
 * once it aborts, reject promptly, naming the address and `signal.reason`. A sink without `check` is
 * taken to be always reachable.
 *
 * `close` flushes and releases resources; it is called once at shutdown after the last `write` and
 * `check` have settled, and must be idempotent.
 */
export interface Sink {
  /** Stable, low-cardinality id used in logs, in the spool and as the `sink` metric label. */
  readonly name: string;
  write(batch: readonly Event[], signal: AbortSignal): Promise<void>;
  check?(signal: AbortSignal): Promise<void>;
  /** Sinks that keep a local journal (relay sinks): its bytes in use, read at scrape time (`imgw_relay_journal_bytes`). */
  journalBytes?(): number;
  /**
   * A lasting fault of the sink itself that only a restart clears (a relay journal that could not be
   * flushed to disk), or undefined. `/readyz` reports it as degraded, naming the sink.
   */
  fault?(): string | undefined;
  close(): Promise<void>;
}

/** What every sink factory may use besides its own settings. */
export interface SinkDeps {
  readonly dataDir: string;
  /** The service's clock (signature timestamps, Retry-After dates, quota windows, token lifetimes). */
  readonly clock?: () => number;
  /** Where a sink reports what it handled but finds odd (pino's shape). */
  readonly logger?: { warn(fields: object, message: string): void };
  /** RELAY_KEY: relay sinks sign what they send with the first and skip messages whose marker verifies. */
  readonly relayKeys?: readonly string[];
}

/**
 * The delivery settings whose defaults each sink type declares in its definition (`defineSink`), the
 * way Benthos outputs declare their batching and in-flight defaults: how large a write is and how many
 * run at once suit the target. An operator's value always wins.
 */
export interface DeliveryDefaults {
  readonly batchSize: number;
  readonly maxBatchBytes: number;
  readonly lingerMs: number;
  readonly concurrency: number;
  readonly timeoutMs: number;
}

/** The defaults a sink type takes when nothing about its target asks for others. */
export const commonDelivery: DeliveryDefaults = { batchSize: 1000, maxBatchBytes: 1024 * 1024, lingerMs: 0, concurrency: 1, timeoutMs: 10_000 };

/** Settings every sink accepts, how the dispatcher delivers to it, with the sink type's `defaults`. */
export function deliverySettings(defaults: DeliveryDefaults) {
  return {
    name: z
      .string()
      .regex(/^[a-z][a-z0-9_-]{0,31}$/, 'expected lower-case letters, digits, "_" or "-", starting with a letter')
      .optional()
      .describe('Unique sink name (metric label, spool key); defaults to the type'),
    batchSize: z.number().int().min(1).max(10_000).default(defaults.batchSize).describe('Most events handed to one write; a batch takes what is due, so it grows with the backlog up to this and maxBatchBytes'),
    timeoutMs: z.number().int().min(1).default(defaults.timeoutMs).describe('A write that takes longer is aborted and retried'),
    retryInitialMs: z.number().int().min(1).default(500).describe('First retry delay (exponential, full jitter)'),
    retryMaxMs: z.number().int().min(1).default(60_000).describe('Longest retry delay'),
    maxAttempts: z.number().int().min(0).default(0).describe('Dead-letter an event after this many failed writes (waits the target asks for, such as a quota or Retry-After, do not count); 0 = no limit'),
    maxAgeMs: z.number().int().min(0).default(86_400_000).describe('Dead-letter an event still undelivered this long after receipt, or after an operator queued it again (redrive, replay, move); 0 = no limit'),
    maxBatchBytes: z.number().int().min(1024).default(defaults.maxBatchBytes).describe('Most serialized bytes in one write (a single larger event still goes alone)'),
    lingerMs: z.number().int().min(0).default(defaults.lingerMs).describe('Wait up to this long for a batch to fill before writing'),
    concurrency: z.number().int().min(1).max(64).default(defaults.concurrency).describe('Batches written at once (1 keeps order)'),
    filter: routeFilterSchema.optional().describe('Only events matching every given criterion go to this sink (see Routing)'),
    required: z.boolean().default(true).describe('An open circuit on a required sink shows in /readyz; in direct mode the reply waits for it'),
    circuitBreaker: z
      .strictObject({
        failureThreshold: z.number().int().min(0).default(5).describe('Consecutive failed writes that open the circuit; 0 = never'),
        openMs: z.number().int().min(100).default(30_000).describe('How long the circuit stays open before one probe write'),
      })
      .prefault({})
      .describe('Stops hammering a dead sink: after the threshold, pause, then probe with one event'),
    payload: z
      .enum(['cloudevent', 'message'])
      .default('cloudevent')
      .describe('cloudevent: data is the vendor body as received; message: data is the vendor-neutral message (docs/message.schema.json), for events that carry one'),
  };
}

/** The delivery settings alone, with the common defaults (lanes built in tests parse it too). */
export const deliverySettingsSchema = z.strictObject(deliverySettings(commonDelivery));

export type DeliverySettings = z.output<typeof deliverySettingsSchema>;

/** A failure that retrying cannot fix (e.g. HTTP 400): the events go to dead letters at once. */
export class PermanentSinkError extends Error {
  override readonly name = 'PermanentSinkError';
}

/** A failure the target asked us to retry after a delay (e.g. HTTP 429 with Retry-After). */
export class RetryLaterError extends Error {
  override readonly name = 'RetryLaterError';
  constructor(message: string, readonly retryAfterMs: number) {
    super(message);
  }
}

/**
 * Some events of a batch were not delivered: `failures` maps each failed event's index in the batch to
 * its reason (a `PermanentSinkError`, a `RetryLaterError` or any other error, as for a whole batch).
 * Every index not in `failures` counts as delivered. Indices outside the batch are ignored.
 */
export class BatchError extends Error {
  override readonly name = 'BatchError';
  readonly failures: ReadonlyMap<number, Error>;
  constructor(failures: ReadonlyMap<number, unknown>) {
    const errors = new Map([...failures].map(([index, reason]) => [index, asError(reason)]));
    const first = errors.values().next().value;
    super(`${errors.size} event(s) of the batch failed${first ? `; first: ${first.message}` : ''}`);
    this.failures = errors;
  }
}

/**
 * Writes every event with `writeOne` (all started at once) and resolves when all of them succeeded;
 * otherwise rejects with a `BatchError` naming each event that failed, the others being delivered.
 * For sinks whose target acknowledges each event on its own (a publish, a request per event).
 */
export async function writeEach(batch: readonly Event[], writeOne: (event: Event, index: number) => Promise<unknown>): Promise<void> {
  const results = await Promise.allSettled(batch.map((event, index) => writeOne(event, index)));
  const failures = new Map<number, unknown>();
  results.forEach((result, index) => {
    if (result.status === 'rejected') failures.set(index, result.reason);
  });
  if (failures.size > 0) throw new BatchError(failures);
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

/** Rejects with the signal's reason if it is already aborted. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

/**
 * Waits for `promise` unless `signal` aborts first (then rejects with its reason). The work itself goes
 * on (a connection being opened stays the sink's); only the wait ends.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  const reason = () => (signal.reason instanceof Error ? signal.reason : new Error('aborted'));
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(reason());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(reason());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => (signal.removeEventListener('abort', onAbort), resolve(value)),
      (error: unknown) => (signal.removeEventListener('abort', onAbort), reject(error)),
    );
  });
}
