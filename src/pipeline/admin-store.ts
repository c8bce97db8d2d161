import type { Event } from '../events/event';
import type { PausedSink } from './spool/pauses';
import type { QuarantinedHead } from './spool/quarantine';

export type { PausedSink };

/**
 * What the admin module (every operator action: stats, search, dead letters, quarantine, replay,
 * pending moves, audit) needs from the spool. The spool implements it; every change goes through the
 * spool's group committer, so ingest and operator actions never race and in-memory counts stay true.
 * Lists are newest first and paged by an opaque cursor; bulk changes run in bounded chunks.
 */

/**
 * A page of results; `next` is an opaque cursor for the following (older) page, absent at the end.
 * A page may hold fewer items than asked (even none) and still have a `next`: a search examines a
 * bounded part of the log per call, so such a page means "nothing more found yet, keep going".
 */
export interface Page<T> {
  readonly items: readonly T[];
  readonly next?: string;
}

/** Paging of a list: at most `limit` items (1–1000) after the cursor `after`. */
export interface PageRequest {
  readonly limit: number;
  readonly after?: string;
}

/** Event search: every given field must match (exact), times are ms since the epoch, `[since, until)` on receipt. */
export interface EventFilter {
  /** `tencent` | `netease` | `easemob` (attribute `vendor`). */
  readonly vendor?: string;
  /** The vendor's command or event type (attribute `command`). */
  readonly command?: string;
  /** Attribute `appid`. */
  readonly app?: string;
  /** Either party of a one-to-one conversation, or the group/room: matches `fromaccount`, `toaccount` or `groupid`. */
  readonly conversation?: string;
  /** Attribute `fromaccount`. */
  readonly sender?: string;
  /** Attribute `toaccount`. */
  readonly recipient?: string;
  /** Group or chat room id (attribute `groupid`). */
  readonly group?: string;
  /** The vendor's message id (attribute `messageid`). */
  readonly messageId?: string;
  /** The event's own id (CloudEvents `id`). */
  readonly id?: string;
  readonly since?: number;
  readonly until?: number;
}

/** One stored event as lists show it. */
export interface StoredEvent {
  /** Position in the log (acceptance order). */
  readonly seq: number;
  readonly receivedAt: number;
  readonly event: Event;
}

/** Where one event stands with one sink. */
export type SinkState =
  | { readonly sink: string; readonly state: 'delivered' }
  | { readonly sink: string; readonly state: 'not_routed' }
  | {
      readonly sink: string;
      readonly state: 'pending';
      readonly attempts: number;
      readonly nextAt: number;
      readonly lastError?: string;
      readonly firstFailedAt?: number;
    }
  | {
      readonly sink: string;
      readonly state: 'dead';
      readonly attempts: number;
      readonly firstError?: string;
      readonly lastError?: string;
      readonly firstFailedAt?: number;
      readonly deadAt: number;
    };

/** A search result: the event and where it stands with each sink (as `event()` answers). */
export interface SearchedEvent extends StoredEvent {
  readonly sinks: readonly SinkState[];
}

/** Dead letters to act on: a sink, a time range on `deadAt`, a substring of the last error, or listed seqs. */
export interface DeadLetterFilter {
  readonly sink?: string;
  readonly since?: number;
  readonly until?: number;
  /** Case-sensitive substring of the last error. */
  readonly error?: string;
  /** Only these log positions. */
  readonly seqs?: readonly number[];
}

export interface DeadLetter {
  readonly sink: string;
  readonly seq: number;
  readonly id: string;
  readonly type: string;
  readonly receivedAt: number;
  readonly attempts: number;
  readonly firstError?: string;
  readonly lastError?: string;
  readonly firstFailedAt?: number;
  readonly deadAt: number;
}

/** What a replay takes: events received in `[since, until)`, and with `seqs` only those log positions. */
export interface ReplayFilter {
  readonly since?: number;
  readonly until?: number;
  readonly seqs?: readonly number[];
}

export interface QuarantineFilter {
  readonly vendor?: string;
  readonly reason?: string;
  readonly since?: number;
  readonly until?: number;
  readonly qids?: readonly number[];
}

export interface QuarantineSummary {
  readonly qid: number;
  readonly receivedAt: number;
  readonly vendor: string;
  readonly command?: string;
  readonly reason: string;
  readonly detail: string;
  readonly bytes: number;
}

export interface QuarantineDetail extends QuarantineSummary {
  readonly head: QuarantinedHead;
  readonly body: Buffer;
}

/** One operator action as the audit trail keeps it. */
export interface AuditEntry {
  readonly at: number;
  /** The token's name (never its value), or `cli-local` for the CLI on the spool file. */
  readonly actor: string;
  /** e.g. `dlq.redrive`, `quarantine.drop`, `replay`, `pending.move`, `sink.pause`. */
  readonly action: string;
  /** The filter or target as given (JSON-serialisable). */
  readonly target: unknown;
  /** How many events or entries it changed (or would change, for a dry run). */
  readonly count: number;
  readonly dryRun: boolean;
}

export interface SpoolStats {
  readonly events: number;
  readonly firstSeq?: number;
  readonly lastSeq?: number;
  readonly storedBytes: number;
  readonly sinks: readonly { readonly sink: string; readonly pending: number; readonly oldestReceivedAt?: number; readonly dead: number }[];
  readonly quarantined: number;
}

/** Progress of a bulk change: called after each chunk; the next chunk waits for what it returns. */
/** After each chunk: how many entries are done, and how long the chunk's own work held the event loop (ms). */
export type Progress = (done: number, workMs?: number) => void | Promise<void>;

/** The spool's side of the admin module. Reads are synchronous and bounded; changes go through the committer. */
export interface AdminStore {
  stats(): SpoolStats;
  /**
   * Newest first. Each call examines a bounded number of stored events (a few milliseconds): follow
   * `next` until it is absent to search the whole spool; a short page with `next` is not the end.
   */
  searchEvents(filter: EventFilter, page: PageRequest): Page<SearchedEvent>;
  /** Where each of these stored events (at most 1000 seqs; more are ignored) stands with each sink; seqs the spool no longer holds are absent. */
  sinkStates(seqs: readonly number[]): ReadonlyMap<number, readonly SinkState[]>;
  /**
   * By log position (one key lookup) or by event id: found when it is among the newest events the
   * spool remembers for de-duplication or the search budget below them, else undefined (search with
   * `EventFilter.id` to reach further back). Undefined when the spool no longer holds it.
   */
  event(idOrSeq: string | number): { readonly stored: StoredEvent; readonly sinks: readonly SinkState[] } | undefined;

  deadLetters(filter: DeadLetterFilter, page: PageRequest): Page<DeadLetter>;
  /**
   * How many match: a whole sink's (or every sink's) from the counts in memory, else counted `step`
   * (10,000) at a time with a turn of the event loop between steps.
   */
  countDeadLetters(filter: DeadLetterFilter, step?: number): Promise<number>;
  /** Back to each sink's queue, due now, attempts reset; in chunks of at most `chunk`. Resolves how many. */
  redriveDeadLetters(filter: DeadLetterFilter, now: number, options?: { chunk?: number; onProgress?: Progress }): Promise<number>;
  dropDeadLetters(filter: DeadLetterFilter, options?: { chunk?: number; onProgress?: Progress }): Promise<number>;

  quarantine(filter: QuarantineFilter, page: PageRequest): Page<QuarantineSummary>;
  countQuarantine(filter: QuarantineFilter): number;
  quarantined(qid: number): QuarantineDetail | undefined;
  /** A quarantined request that now makes an event: the event is appended (or found a duplicate) and the entry removed, in one commit. */
  releaseQuarantined(qid: number, event: Event, receivedAt: number): Promise<'accepted' | 'duplicate'>;
  /** Still invalid after a re-check: the entry keeps its body with the new reason. */
  requarantine(qid: number, reason: string, detail: string): Promise<void>;
  dropQuarantine(filter: QuarantineFilter): Promise<number>;

  /**
   * Queues stored events received in `[since, until)` (with `seqs`, only those log positions) again for
   * `sink` (its route applies), due now: the events stored at the start, in chunks through the committer.
   */
  countReplay(range: ReplayFilter, sink: string): Promise<number>;
  /** `stepMs`: the most work one step does (default 8 ms; `Infinity` makes steps of exactly `chunk`). */
  replay(range: ReplayFilter, sink: string, now: number, options?: { chunk?: number; stepMs?: number; onProgress?: Progress }): Promise<number>;

  /** Events pending per sink name, including names no longer configured. */
  pendingCounts(): readonly { readonly sink: string; readonly pending: number }[];
  /** Removes what is pending (and dead) for a sink that is no longer configured. */
  dropPending(sink: string): Promise<number>;
  /** Hands what is pending for `from` to `to`, due now, attempts reset, without doubling. */
  movePending(from: string, to: string, now: number): Promise<number>;

  /** Sinks an operator paused, by name: kept across restarts until resumed. */
  pausedSinks(): readonly PausedSink[];
  /** Marks a sink paused (by whom, when) or resumed (undefined). */
  setPaused(sink: string, by: { readonly at: number; readonly actor: string } | undefined): Promise<void>;

  audit(entry: AuditEntry): Promise<void>;
  auditTrail(page: PageRequest): Page<AuditEntry & { readonly seq: number }>;
}
