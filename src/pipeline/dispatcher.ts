import type { Logger } from 'pino';
import { eventJsonBytes, type Event } from '../events/event';
import { asMessageEvent } from '../events/message';
import { PermanentSinkError, RetryLaterError, type DeliverySettings, type Sink } from '../sinks/sink';
import { backgroundTurn } from './background-turns';
import { createCircuitBreaker, type CircuitBreaker } from './circuit-breaker';
import type { DeliveryObserver } from './delivery-observer';
import { backoffDelay } from './retry';
import { attemptWrite } from './write';
import type { Spool, SpooledEvent } from './spool';

export type Lane = Pick<
  DeliverySettings,
  | 'batchSize'
  | 'timeoutMs'
  | 'retryInitialMs'
  | 'retryMaxMs'
  | 'maxAttempts'
  | 'maxAgeMs'
  | 'maxBatchBytes'
  | 'lingerMs'
  | 'concurrency'
  | 'required'
  | 'circuitBreaker'
  | 'payload'
> & { readonly sink: Sink };

/**
 * Events per pass while a lane has retries waiting (a redrive, a replay, a sink back from an outage).
 * Such a backlog can be a million events, all due at once: in slices this small, and with the lane
 * resting after each slice as long as the slice kept the event loop busy, callbacks arriving meanwhile
 * wait behind a millisecond of delivery work, not behind a batch of a thousand. While callbacks'
 * commits are slowed (`yieldFactor`), the rests grow: the deliveries' acknowledgements and the WAL
 * they write share the disk with the callbacks.
 */
export const backlogSlice = 100;

/**
 * How long a lane lets due events gather while backfilled events are among them (or its own
 * `lingerMs`, when longer). A backfill appends a page every few milliseconds for minutes; written as
 * they come, each page would cost the sink a write (the file sink an fdatasync) and the spool an
 * acknowledgement commit. Live events behind them are delivered at most this much later.
 */
export const backfillLingerMs = 100;

const isBackfilled = (item: SpooledEvent): boolean => item.event.attributes.backfill !== undefined;

export interface DispatcherDeps {
  readonly spool: Spool;
  readonly lanes: readonly Lane[];
  readonly metrics: DeliveryObserver;
  readonly logger: Logger;
  /** What is due, how old an event is and when an open circuit may probe are read from this clock. */
  readonly clock?: () => number;
  /**
   * Longest sleep of a lane (idle, an open circuit, lingering); new events wake the lanes at once, and
   * a clock moved by a test is noticed within this time.
   */
  readonly idleMs?: number;
  /** How long a lane lets due events gather while backfilled ones are among them (`backfillLingerMs` unless given). */
  readonly backfillLingerMs?: number;
  /** Lanes held back from the start (an operator paused them before a restart) until `resume`. */
  readonly paused?: readonly string[];
  /**
   * How many times as long as a backlog slice kept the event loop busy its lane rests after it (1
   * unless given): the ingest guard's factor, which grows while callbacks' commits are slowed.
   */
  readonly yieldFactor?: () => number;
}

/**
 * Delivers spooled events to every sink, each in its own lane with its own progress: a slow or failing
 * sink delays only itself. A lane takes the oldest due events, writes them in batches (up to
 * `concurrency` at once, started in order) under a timeout, and applies each write's outcome per event
 * (see `Sink`): delivered events leave its pending set; failed ones are scheduled again with exponential
 * backoff and full jitter (or the sink's Retry-After), or move to dead letters when the sink says
 * retrying cannot help or the attempt or age limit is hit. An event waiting for a retry holds back the
 * later ones of its lane; a dead-lettered one does not.
 */
export function createDispatcher(deps: DispatcherDeps) {
  const clock = deps.clock ?? Date.now;
  const idleMs = deps.idleMs ?? 1000;
  const backfillLinger = deps.backfillLingerMs ?? backfillLingerMs;
  const yieldFactor = deps.yieldFactor ?? (() => 1);
  /** How long each lane has rested so far waiting for its next batch to fill. */
  const lingered = new Map<Lane, number>();
  /**
   * Lanes whose last read that found anything held backfilled events: they read and write
   * `backlogSlice` events at a time. A fill appends thousands a second; read a thousand at once, they
   * held the event loop for milliseconds and stayed alive across collections while they were written.
   */
  const filling = new Set<Lane>();
  let stopping = false;
  const wakers = new Set<() => void>();
  const resting = new Set<() => void>();
  // Lanes an operator paused: they take nothing new (the spool keeps the list across restarts).
  const paused = new Set<string>((deps.paused ?? []).filter((sink) => deps.lanes.some((lane) => lane.sink.name === sink)));
  const runs: Promise<void>[] = [];
  const circuits = new Map<string, CircuitBreaker>(deps.lanes.map((lane) => [lane.sink.name, createCircuitBreaker(lane.circuitBreaker, clock)]));

  function recordOutcome(lane: Lane, ok: boolean): void {
    const change = (circuits.get(lane.sink.name) as CircuitBreaker).record(ok);
    if (change === 'opened') deps.logger.warn({ sink: lane.sink.name, openMs: lane.circuitBreaker.openMs }, 'circuit opened');
    if (change === 'closed') deps.logger.info({ sink: lane.sink.name }, 'circuit closed');
  }

  /**
   * Waits `ms`, or until the dispatcher stops; `wakeable`: also until new events are appended (given a
   * predicate: until an append finds it true).
   */
  function sleep(ms: number, wakeable: boolean | (() => boolean) = true): Promise<void> {
    return new Promise((resolve) => {
      const sleepers = wakeable === false ? resting : wakers;
      const done = () => {
        clearTimeout(timer);
        sleepers.delete(wake);
        resolve();
      };
      const wake = typeof wakeable === 'function' ? () => (stopping || wakeable() ? done() : undefined) : done;
      const timer = setTimeout(done, Math.max(0, ms));
      sleepers.add(wake);
    });
  }

  function wakeAll(): void {
    for (const wake of [...wakers]) wake();
  }

  /**
   * Writes one batch under the sink's timeout and applies the outcome event by event (see `Sink`):
   * delivered events leave the pending set, failed ones are retried or dead-lettered. Resolves true
   * when no event of the batch is left waiting for a retry.
   */
  async function deliver(lane: Lane, batch: SpooledEvent[]): Promise<boolean> {
    const { failures: byIndex, timedOut, seconds } = await attemptWrite(lane.sink, batch.map((item) => item.event), lane.timeoutMs);
    const failures: Failure[] = [...byIndex].sort(([a], [b]) => a - b).map(([index, error]) => ({ item: batch[index] as SpooledEvent, error }));
    const failed = new Set(failures.map((failure) => failure.item));
    const delivered = batch.filter((item) => !failed.has(item));
    // The target is down only when nothing got through and some failure is worth retrying. A sink that
    // asked for a pause (RetryLaterError: a quota wait, a Retry-After) is paced by that delay, not down.
    recordOutcome(lane, delivered.length > 0 || failures.every((failure) => failure.error instanceof PermanentSinkError || failure.error instanceof RetryLaterError));
    if (delivered.length > 0) deps.metrics.sinkDelivered(lane.sink.name, 'ok', delivered.length, seconds);
    if (failures.length > 0) deps.metrics.sinkDelivered(lane.sink.name, timedOut ? 'timeout' : 'error', failures.length, seconds);
    if (delivered.length > 0) await deps.spool.delivered(lane.sink.name, delivered.map((item) => item.seq));
    return failures.length === 0 || (await writeFailed(lane, failures));
  }

  /**
   * Per event: a permanent refusal, or this failure reaching the attempt or age limit, moves it to dead
   * letters; the rest wait for the next attempt (backoff with full jitter, or the longest Retry-After
   * among them). Resolves true when every failed event went to dead letters.
   */
  async function writeFailed(lane: Lane, failures: readonly Failure[]): Promise<boolean> {
    const name = lane.sink.name;
    const now = clock();
    // A "retry later" is a wait the target asked for (a quota, Retry-After), not a failed attempt:
    // only maxAgeMs bounds it.
    const givesUp = ({ item, error }: Failure) =>
      error instanceof PermanentSinkError ||
      (lane.maxAttempts > 0 && !(error instanceof RetryLaterError) && item.attempts + 1 >= lane.maxAttempts) ||
      (lane.maxAgeMs > 0 && now - item.receivedAt >= lane.maxAgeMs);
    const dead = failures.filter(givesUp);
    const retry = failures.filter((failure) => !givesUp(failure));
    for (const [message, group] of byMessage(dead)) {
      deps.logger.error({ sink: name, events: group.length, err: message }, 'events moved to dead letters');
      await deps.spool.deadLetter(name, group.map((failure) => failure.item.seq), message, now);
    }
    if (retry.length === 0) return true;
    const attempts = Math.min(...retry.map((failure) => failure.item.attempts)) + 1;
    const retryAfter = Math.max(...retry.map((failure) => (failure.error instanceof RetryLaterError ? failure.error.retryAfterMs : 0)));
    // When every failure is "retry later" (a quota wait, an HTTP 429/503 with Retry-After) the target
    // said when: try again then, not after a backoff that grows with each wait and idles the sink.
    const paced = retry.every((failure) => failure.error instanceof RetryLaterError);
    const delay = paced ? retryAfter : Math.max(backoffDelay(attempts - 1, lane), retryAfter);
    for (const [message, group] of byMessage(retry)) {
      deps.logger.warn({ sink: name, events: group.length, attempts, retryInMs: delay, err: message }, 'sink write failed');
      const waited = group.every((failure) => failure.error instanceof RetryLaterError);
      await deps.spool.failed(name, group.map((failure) => failure.item.seq), message, now + delay, now, !waited);
    }
    return false;
  }

  /** One pass: take due events and write them; resolves false when nothing was due. */
  async function pass(lane: Lane): Promise<boolean> {
    if (paused.has(lane.sink.name)) {
      await sleep(idleMs);
      return true;
    }
    const circuit = circuits.get(lane.sink.name) as CircuitBreaker;
    const wait = circuit.waitMs();
    if (wait > 0) {
      await sleep(Math.min(wait, idleMs));
      return true;
    }
    const backlog = deps.spool.retrying(lane.sink.name) > 0;
    const whole = lane.batchSize * lane.concurrency;
    const take = backlog || filling.has(lane) ? Math.min(backlogSlice, whole) : whole;
    const due = deps.spool.due(lane.sink.name, clock(), circuit.probing ? 1 : take);
    if (due.length === 0) return false;
    const started = backlog ? performance.eventLoopUtilization() : undefined;
    const backfilling = !backlog && !circuit.probing && due.some(isBackfilled);
    if (backfilling) filling.add(lane);
    else filling.delete(lane);
    const linger = backfilling ? Math.max(lane.lingerMs, backfillLinger) : lane.lingerMs;
    if (due.length < Math.min(lane.batchSize, take) && linger > 0) {
      // The lane's own rests count too: a clock that stands still (or lags) never holds a batch for ever.
      const waited = Math.max(clock() - Math.min(...due.map((item) => item.receivedAt)), lingered.get(lane) ?? 0);
      if (waited < linger) {
        const rested = performance.now();
        // An append ends the wait only once the lane has a batch's worth: reading the due events again
        // after every append would cost a read per event while a batch gathers. While a backfill
        // streams in, not even then (its linger is what gathers its pages).
        const full = () => deps.spool.pending(lane.sink.name) >= lane.batchSize;
        await sleep(Math.min(linger - waited, idleMs), !backfilling && full);
        lingered.set(lane, (lingered.get(lane) ?? 0) + performance.now() - rested);
        if (!stopping) return true;
      }
    }
    lingered.delete(lane);
    // A batch of backfilled events waits for a background turn: it goes out between callbacks, not in a run of background work.
    if (backfilling) await backgroundTurn();
    deps.spool.writing(lane.sink.name, due.map((item) => item.seq));
    const { ready, unsendable } = withPayload(lane, due);
    if (unsendable.length > 0) await writeFailed(lane, unsendable);
    await writeInOrder(splitBatches(ready, lane), lane.concurrency, (batch) => deliver(lane, batch));
    if (started) await sleep(Math.min(performance.eventLoopUtilization(started).active * yieldFactor(), idleMs), false);
    return true;
  }


  async function run(lane: Lane): Promise<void> {
    while (!stopping) {
      try {
        if (await pass(lane)) continue;
        const next = deps.spool.nextDueAt(lane.sink.name);
        await sleep(next === undefined ? idleMs : Math.min(idleMs, next - clock()));
      } catch (error) {
        deps.logger.error({ sink: lane.sink.name, err: errorText(error) }, 'dispatch failed; retrying');
        await sleep(idleMs);
      }
    }
  }

  deps.spool.onAppend(wakeAll);

  return {
    start(): void {
      for (const lane of deps.lanes) runs.push(run(lane));
    },
    /** Sinks whose circuit is not closed (open, or half-open waiting for its probe). */
    openCircuits(): { sink: string; required: boolean }[] {
      return deps.lanes
        .filter((lane) => circuits.get(lane.sink.name)?.open)
        .map((lane) => ({ sink: lane.sink.name, required: lane.required }));
    },
    /** Holds back a lane (its writes in flight finish); false when it was paused already or is unknown. */
    pause(sink: string): boolean {
      if (paused.has(sink) || !circuits.has(sink)) return false;
      paused.add(sink);
      return true;
    },
    resume(sink: string): boolean {
      const was = paused.delete(sink);
      wakeAll();
      return was;
    },
    paused(): string[] {
      return [...paused];
    },
    /** Lets each lane finish its current writes (bounded by the sink timeout), then stops. */
    async stop(): Promise<void> {
      stopping = true;
      wakeAll();
      for (const done of [...resting]) done();
      await Promise.all(runs);
    },
  };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;

/** Cuts due events into batches of at most `batchSize` events and `maxBatchBytes` serialized bytes. */
export function splitBatches(due: readonly SpooledEvent[], lane: Pick<Lane, 'batchSize' | 'maxBatchBytes'>): SpooledEvent[][] {
  const batches: SpooledEvent[][] = [];
  let current: SpooledEvent[] = [];
  let bytes = 0;
  for (const item of due) {
    const size = eventJsonBytes(item.event);
    if (current.length > 0 && (current.length >= lane.batchSize || bytes + size > lane.maxBatchBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * What a sink with this `payload` setting receives for `event`: the CloudEvent itself, or for `message`
 * the CloudEvent whose data is the neutral message (undefined when the event carries none).
 */
export function payloadEvent(payload: DeliverySettings['payload'], event: Event): Event | undefined {
  return payload === 'message' ? asMessageEvent(event) : event;
}

/** Due events as the lane's sink receives them; those it cannot receive fail permanently. */
function withPayload(lane: Lane, due: readonly SpooledEvent[]): { ready: SpooledEvent[]; unsendable: Failure[] } {
  if (lane.payload === 'cloudevent') return { ready: [...due], unsendable: [] };
  const ready: SpooledEvent[] = [];
  const unsendable: Failure[] = [];
  for (const item of due) {
    const event = payloadEvent(lane.payload, item.event);
    if (event) ready.push({ ...item, event });
    else unsendable.push({ item, error: new PermanentSinkError('the event carries no neutral message (payload: message)') });
  }
  return { ready, unsendable };
}

/**
 * Writes batches with at most `concurrency` in flight, starting them in order; once a batch leaves an
 * event waiting for a retry, no later batch starts (they stay pending behind it, so order holds).
 */
async function writeInOrder<T>(batches: readonly T[], concurrency: number, write: (batch: T) => Promise<boolean>): Promise<void> {
  let next = 0;
  let held = false;
  const worker = async () => {
    while (!held && next < batches.length) {
      const batch = batches[next++] as T;
      if (!(await write(batch))) held = true;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker));
}

/** One event that a write did not deliver, and why. */
interface Failure {
  readonly item: SpooledEvent;
  readonly error: unknown;
}

function byMessage(failures: readonly Failure[]): Map<string, Failure[]> {
  const groups = new Map<string, Failure[]>();
  for (const failure of failures) {
    const message = errorText(failure.error);
    const group = groups.get(message);
    if (group) group.push(failure);
    else groups.set(message, [failure]);
  }
  return groups;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
