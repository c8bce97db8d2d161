import type { Event, EventOrigin } from '../../events/event';
import { createSpoolAdmin } from './admin';
import { createAdminStore } from './admin-store';
import { createBatchAppend } from './append-batch';
import { startCheckpointer } from './checkpointer';
import { cursorWriter, loadStates, type SinkState, type SpoolSink } from './cursors';
import { createDamageWatch, openDatabase, walSync } from './database';
import { createGapStore } from './gaps';
import { createDedupe, defaultDedupeWindow } from './dedupe';
import { createGroupCommitter } from './group-commit';
import { createEventDecoder, createLogReader, type Derive } from './log';
import { createRecentEvents } from './recent';
import { createOutbox } from './outbox';
import { createPauses } from './pauses';
import { createQuarantine, type QuarantineDropped, type QuarantineLimits } from './quarantine';
import { createRetention } from './retention';
import { createRoomWatch, freeBytesBeside } from './room';
import { migrateSpool } from './schema';
import { createSearch, defaultSearchBudget } from './search';
import { createSearchTail } from './search-tail';
import { column, pragma } from './sqlite';

export type { SpoolSink };

export interface SinkBacklog {
  readonly sink: string;
  readonly pending: number;
  readonly oldestReceivedAt: number | undefined;
}

export interface SpoolOptions {
  path: string;
  sinks: readonly (SpoolSink | string)[];
  quarantine?: QuarantineLimits;
  /** Run SQLite's quick_check at open (reads every page once); problems make the spool `damaged`, not a crash. */
  verify?: boolean;
  /** After a commit that dropped quarantined requests to keep under the quarantine's byte cap (for the metric). */
  onQuarantineDropped?: (dropped: readonly QuarantineDropped[]) => void;
  /** Copy the WAL back into the database from a worker thread (`checkpointer.ts`), for the long-running service. */
  backgroundCheckpoints?: { intervalMs?: number; onError?: (error: Error) => void };
  /** After each WAL flush of a spool on disk, with its duration in seconds (for the metric). */
  onFlush?: (seconds: number) => void;
  /** Least time (ms) between the start of one WAL flush and the next commit (`group-commit.ts`); 0: none. */
  commitWindowMs?: number;
  /** How many of the newest event ids are remembered for de-duplication (`dedupe.ts`). */
  dedupeWindow?: number;
  /** Stored events an event search examines per call (`search.ts`); bounds the time one call takes. */
  searchBudget?: number;
  /** Search rows held in memory before they are written together (`search-tail.ts`). */
  searchFlushRows?: number;
  /**
   * Makes an event again from what a vendor's mapping made it of (a vendor's `toEvent`, run again).
   * When given, events appended with their origin are stored as their body and origin instead of their
   * attributes and neutral message (`log-row.ts`), and made again when read back.
   */
  derive?: Derive;
  /** A stored event could not be made again (`log.ts`, `createEventDecoder`): it is delivered as `im.gateway.underivable`. */
  onUnderivable?: (seq: number, vendor: string) => void;
  /** Free bytes on the spool's filesystem (`statfs` beside the file unless given): readiness after a full disk (`room.ts`). */
  freeBytes?: () => number | undefined;
}

/**
 * Callbacks a commit window holds before it closes early. At a steady rate the window runs its time
 * (at 1,900/s, 5 ms gathers about ten); clients that wait for each reply (a vendor's connections, a
 * closed-loop load test) fill it at once and do not wait out the rest.
 */
export const commitWindowMaxWrites = 16;

/**
 * The durable outbox as a log with cursors (SQLite, WAL, every commit flushed to disk before it is
 * answered). An event is appended once at the end of the log; each sink reads the log from its
 * cursor, applying its route per event; failed attempts and dead letters are exceptions of the sink.
 * Writes from concurrent requests share a transaction (group commit); deliveries ride on the next
 * one. Counts live in memory. Nothing else in the product runs SQL on the spool.
 */
export function openSpool(options: SpoolOptions) {
  const routes: SpoolSink[] = options.sinks.map((sink) => (typeof sink === 'string' ? { name: sink, accepts: () => true } : sink));
  const onDisk = options.path !== ':memory:';
  const db = openDatabase(options.path);
  try {
    migrateSpool(db);
  } catch (error) {
    db.close();
    throw error;
  }
  const checkpointer = onDisk && options.backgroundCheckpoints ? startCheckpointer(options.path, options.backgroundCheckpoints) : undefined;
  // The writer's own passive checkpoint, once the WAL holds 10,000 frames (about 40 MiB, under the
  // 64 MiB it is cut back to), bounds the WAL should the thread stop; with the thread running (a round
  // of checkpoints a second, until one finds the WAL copied to its end) it is not reached.
  if (checkpointer) pragma(db, 'wal_autocheckpoint = 10000');

  const watch = createDamageWatch(db, options.path, options.verify ?? false);
  const lastSeq = { value: 0 };
  let states = new Map<string, SinkState>();
  const dedupe = createDedupe(db, options.dedupeWindow ?? defaultDedupeWindow);
  const writeCursors = cursorWriter(db);
  const recent = createRecentEvents();
  const decode = createEventDecoder({ derive: options.derive, recent, onUnderivable: options.onUnderivable });
  const searchTail = createSearchTail(db, decode, options.searchFlushRows);
  // Events stored: the narrow search table (one row per event) and the rows still held for it; never a
  // scan of the log itself. Counted once when loaded, then kept by the writes that add and remove events.
  const countSearchRows = column(db, 'SELECT count(*) FROM search');
  const logHas = column(db, 'SELECT 1 FROM log WHERE seq = ?');
  const stored = { value: 0 };
  /**
   * Memory from disk: cursors, exceptions, the search tail (at open, after a rolled-back commit, after
   * another connection's commit), and the newest ids when the log holds events this connection did not
   * append (at open, or another connection appended). The ids are not read again otherwise: a digest
   * confirms against the log, so an entry whose row a rollback took back matches nothing, and events
   * are forgotten only once their removal committed.
   */
  const load = (): void => {
    const last = column(db, 'SELECT coalesce(max(seq), 0) FROM log').get() as number;
    const appendedElsewhere = last > lastSeq.value || dedupe.size === 0;
    lastSeq.value = Math.max(lastSeq.value, last);
    states = loadStates(db, routes, lastSeq.value);
    if (appendedElsewhere) dedupe.load();
    searchTail.reload();
    stored.value = (countSearchRows.get() as number) + searchTail.rows().filter((row) => logHas.get(row.seq) !== undefined).length;
  };
  try {
    load();
  } catch (error) {
    // A damaged file: the spool opens not ready (`damage()`), for an operator to look at.
    watch.note(error);
    if (watch.check() === undefined) throw error;
  }
  // Another connection (an operator's command) committed: cursors and exceptions are read again.
  const dataVersion = column(db, 'PRAGMA data_version');
  let seenVersion = dataVersion.get() as number;
  const fresh = (): void => {
    const now = dataVersion.get() as number;
    if (now === seenVersion) return;
    seenVersion = now;
    load();
  };

  const room = createRoomWatch(options.freeBytes ?? freeBytesBeside(options.path));
  let lastError: unknown;
  const listeners: (() => void)[] = [];
  const wal = onDisk ? walSync(`${options.path}-wal`) : undefined;
  const committer = createGroupCommitter(db, {
    onCommit: (ok, error) => {
      room.committed(ok, error);
      lastError = error;
      if (!ok) watch.note(error);
    },
    beforeCommit: () => writeCursors(states.values()),
    onRollback: load,
    sync: wal && ((done) => {
      const started = performance.now();
      wal.sync((error) => {
        options.onFlush?.((performance.now() - started) / 1000);
        if (error !== undefined) watch.flushFailed(error);
        done(error);
      });
    }),
    syncNow: wal?.syncNow,
    windowMs: options.commitWindowMs ?? 0,
    // Deliveries' acknowledgements are background writes: two callbacks in one sync are concurrency.
    windowMinWrites: 2,
    windowMaxWrites: commitWindowMaxWrites,
  });
  const reader = createLogReader(db, decode, recent);
  const derivable = options.derive !== undefined;
  const outbox = createOutbox(db, { committer, states: () => states, dedupe, reader, searchTail, lastSeq, stored, recent, derivable });
  const appendBatch = createBatchAppend(db, { committer, states: () => states, dedupe, reader, searchTail, lastSeq, stored, recent, derivable });
  const quarantine = createQuarantine(db, committer, { limits: options.quarantine, onDropped: options.onQuarantineDropped });
  const retention = createRetention(db, committer, () => states, dedupe.forget, stored);
  const pauses = createPauses(db, committer);
  const stateOf = (sink: string): SinkState | undefined => states.get(sink);
  const guarded = <T>(read: () => T): T => {
    try {
      return read();
    } catch (error) {
      watch.note(error);
      throw error;
    }
  };

  // Operator actions act on what is on disk now, including another connection's changes.
  const current = (): Map<string, SinkState> => {
    fresh();
    return states;
  };
  const admin = createSpoolAdmin(db, { committer, states: current, reader, routes, countEvents: () => stored.value });
  /**
   * Tells the room watch how an append went: stored (a duplicate wrote nothing and proves nothing), or
   * refused; `size` is only asked for when it was refused.
   */
  async function watched<T>(append: Promise<T>, stored: (outcome: T) => boolean, size: () => number): Promise<T> {
    try {
      const outcome = await append;
      if (stored(outcome)) room.appended(undefined, 0);
      return outcome;
    } catch (error) {
      room.appended(error, size());
      throw error;
    }
  }
  async function appendAndWake(event: Event, receivedAt: number, origin?: EventOrigin): Promise<'accepted' | 'duplicate'> {
    const outcome = await watched(outbox.append(event, receivedAt, origin), (result) => result === 'accepted', () => sizeOf(event));
    if (outcome === 'accepted') for (const listener of listeners) listener();
    return outcome;
  }

  return {
    ...outbox,
    append: appendAndWake,
    /** Whether an event appended with its origin is stored as its body and origin (`SpoolOptions.derive`). */
    derives: derivable,
    /** Whether an event with this id is remembered: a new copy of it would be a duplicate. */
    has: (id: string): boolean => dedupe.has(id),
    /** Several events in one write (`append-batch.ts`), an outcome each in order; the dispatcher is woken once. */
    async appendMany(events: readonly Event[], receivedAt: number, origins?: readonly (EventOrigin | undefined)[]): Promise<('accepted' | 'duplicate')[]> {
      const outcomes = await watched(appendBatch(events, receivedAt, origins), (results) => results.includes('accepted'), () => events.reduce((sum, event) => sum + sizeOf(event), 0));
      if (outcomes.includes('accepted')) for (const listener of listeners) listener();
      return outcomes;
    },
    quarantine: quarantine.quarantine,
    pruneQuarantine: quarantine.pruneQuarantine,
    get quarantineDropped(): number {
      return quarantine.quarantineDropped;
    },
    quarantineSize: quarantine.quarantineSize,
    storedBytes: retention.storedBytes,
    historyFrom: retention.historyFrom,
    relieve: retention.relieve,
    prune: retention.prune,
    trimTo: (maxEvents: number) => retention.trimTo(maxEvents, lastSeq.value),
    /** Prunes everything received before `before` that may go, in one walk of short transactions (see `prune`). */
    pruneAll(before: number): Promise<number> {
      return retention.prune(before, Number.MAX_SAFE_INTEGER);
    },

    /** Sinks an operator paused (kept across restarts until resumed), configured here or not. */
    pausedSinks: pauses.pausedSinks,

    /** The configured sinks' names. */
    sinkNames: routes.map((sink) => sink.name),

    /** Up to `limit` of the oldest events due for `sink`, in order; a retry not yet due holds back the later ones. */
    due(sink: string, now: number, limit: number) {
      guarded(fresh);
      const state = stateOf(sink);
      return state ? guarded(() => reader.due(state, now, limit)) : [];
    },
    /** `sink` is writing these events (of `due`) now: the newest events in memory may be let go (`LogReader.writing`). */
    writing(sink: string, seqs: readonly number[]): void {
      const state = stateOf(sink);
      if (state) reader.writing(state, seqs);
    },
    /** How many events `sink` has still to take (due, waiting for a retry or being written), from memory. */
    pending(sink: string): number {
      return stateOf(sink)?.pending ?? 0;
    },
    /** How many events of `sink` wait for another attempt (failed, redriven or replayed). */
    retrying(sink: string): number {
      return stateOf(sink)?.retries.size ?? 0;
    },
    /** When the oldest pending event for `sink` becomes due, or undefined when nothing is pending. */
    nextDueAt(sink: string): number | undefined {
      const state = stateOf(sink);
      return state && guarded(() => reader.nextDueAt(state));
    },
    deadLetterCounts(): { sink: string; count: number }[] {
      return [...states.values()].filter((s) => s.dead > 0).map((s) => ({ sink: s.name, count: s.dead })).sort((a, b) => a.sink.localeCompare(b.sink));
    },
    /** Events waiting per sink and the oldest one's receipt time: counts in memory plus one index lookup per sink. */
    backlog(): SinkBacklog[] {
      guarded(fresh);
      return [...states.values()]
        .filter((s) => s.pending > 0)
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((s) => ({ sink: s.name, pending: s.pending, oldestReceivedAt: guarded(() => reader.oldestReceivedAt(s)) }));
    },
    /** Called after every newly accepted event has been committed. */
    onAppend(listener: () => void): void {
      listeners.push(listener);
    },
    /** A reading outside the spool's own calls failed: a damaged-file error marks the spool damaged. */
    noteError: watch.note,
    /** Why the spool cannot be trusted, or undefined (sticky; docs/runbooks.md). */
    damage: watch.check,
    /** The background checkpoint thread's progress, when it runs. */
    get checkpoints(): { readonly copied: number } | undefined {
      return checkpointer;
    },
    /** False after a commit failed, until one succeeds again; after an append refused for room, until there is room (`room.ts`). */
    get healthy(): boolean {
      return room.healthy;
    },
    /** An append was refused for room and the disk has not shown room since. */
    get full(): boolean {
      return room.full;
    },
    get lastError(): unknown {
      return lastError;
    },
    /** Runs one PRAGMA on the spool's connection (diagnostics, and fault tests that cap its size). */
    pragma(statement: string): unknown {
      return pragma(db, statement);
    },
    /** Operator actions and queries (`admin.ts`), through the same committer. */
    admin,
    /** The gateway's alive time, the gaps to check against the vendors' history, the sequence marks (`gaps.ts`). */
    gaps: createGapStore(db, committer),
    /** The admin module's side of the spool (`../admin-store.ts`). */
    adminStore: createAdminStore(db, { committer, states: current, admin, pauses, routes, search: createSearch(db, options.searchBudget ?? defaultSearchBudget, searchTail), seqOf: dedupe.seqOf, oldestRemembered: dedupe.oldestSeq, storedBytes: retention.storedBytes, append: (event, at) => appendAndWake(event, at), wake: () => { for (const listener of listeners) listener(); }, stored: reader.stored }),
    /** Stops the background checkpoint thread and waits until it has closed its connection. */
    async stopCheckpoints(): Promise<void> {
      await checkpointer?.stop();
    },
    /** Commits what is queued (the cursors too) and closes the database. */
    close(): void {
      if (!db.isOpen) return;
      // The search tail is written too, so the next open need not read it back from the log.
      if (searchTail.rows().length > 0 || [...states.values()].some((s) => s.dirty)) void committer.submit(searchTail.flush).catch(() => undefined);
      committer.close();
      wal?.close();
      void checkpointer?.stop();
      db.close();
    },
  };
}

/** About the bytes an event takes in the log: its columns in UTF-8, in whole 4 KiB pages. */
function sizeOf(event: Event): number {
  const bytes = Buffer.byteLength(event.data) + Buffer.byteLength(JSON.stringify(event.attributes)) + (event.message === undefined ? 0 : Buffer.byteLength(event.message));
  return Math.ceil(bytes / 4096) * 4096;
}

export type Spool = ReturnType<typeof openSpool>;
