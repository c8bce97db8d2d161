import type { Event } from '../events/event';
import type { AdminStore, AuditEntry, DeadLetterFilter, EventFilter, Page, PageRequest, QuarantineDetail, QuarantineFilter, ReplayFilter, SearchedEvent, SpoolStats } from './admin-store';
import { createJobs, type Job } from './admin-jobs';
import type { IngestGuard } from './ingest-guard';
import { maxGapNumbers, type Gap, type GapFilter, type NewGap } from './spool/gaps';

/** A window to read back from one vendor's history: `conversations` named as `user:A:B`, `group:G`, `room:R` (absent: every one seen). */
export interface WindowRequest {
  readonly vendor: string;
  readonly app?: string | undefined;
  readonly fromAt: number;
  readonly untilAt: number;
  readonly conversations?: readonly string[] | undefined;
}

/** Why an operator action was not done: `not_found` (nothing there), `refused` (not allowed now), `invalid` (a bad target). */
export class AdminError extends Error {
  constructor(readonly kind: 'not_found' | 'refused' | 'invalid', message: string) {
    super(message);
  }
}

/** What a quarantined request becomes when its vendor checks it again (the pipeline knows no vendor). */
export type Recheck =
  | { readonly kind: 'event'; readonly event: Event }
  | { readonly kind: 'ignored' }
  | { readonly kind: 'invalid'; readonly reason: string; readonly detail: string }
  | { readonly kind: 'no_vendor' };

/** Delivery lanes the operator may hold back (the dispatcher). */
export interface LaneControl {
  pause(sink: string): boolean;
  resume(sink: string): boolean;
  paused(): readonly string[];
}

export interface AdminDeps {
  readonly store: AdminStore;
  /** Names of the sinks this process delivers to. */
  readonly sinks: readonly string[];
  readonly recheck: (entry: QuarantineDetail) => Recheck;
  readonly lanes?: LaneControl;
  readonly clock: () => number;
  /** Every change, after it was written to the audit trail (the log and the metric). */
  readonly audited?: (entry: AuditEntry) => void;
  /** Names this process's jobs (the pod). */
  readonly instance: string;
  /** The gaps recorded in the spool (outages, sequence holes), when this process keeps them. */
  readonly gaps?: {
    list(filter: GapFilter, limit: number, before?: number): Gap[];
    /** Records a gap for the backfill to fill (and wakes it). */
    record?(gap: NewGap): Promise<Gap>;
    get?(gid: number): Gap | undefined;
    /** Settles a gap that is still open; undefined when it is not. */
    settleOpen?(gid: number, state: 'filled' | 'unfillable', note: string): Promise<Gap | undefined>;
  };
  /** Windows of a vendor's history asked for by hand (`backfill/window-requests.ts`), where backfill is set up. */
  readonly windows?: {
    readonly vendors: readonly string[];
    count(request: WindowRequest): number;
    /** The dry run's count, when it differs from `count` (messages rather than conversations). */
    preview?(request: WindowRequest): Promise<number>;
    record(request: WindowRequest, note: string): Promise<Gap>;
  };
  /** Most entries changed per commit (100). */
  readonly chunk?: number;
  /**
   * The ingest guard (`pipeline/ingest-guard.ts`): a bulk change takes `factor()` times its usual rest
   * between chunks, and `hold()`s it when it starts. Absent: the usual rests.
   */
  readonly guard?: Pick<IngestGuard, 'factor' | 'hold'>;
  /** Each configured sink's effective settings, secrets already redacted (shown to viewers). */
  readonly sinkSettings?: readonly SinkSettings[];
}

/** A sink's settings as an operator may see them (no secret in them). */
export interface SinkSettings {
  readonly name: string;
  readonly type: string;
  readonly settings: Readonly<Record<string, unknown>>;
}

/**
 * A bulk change rests `restFactor` times as long as its last chunk's own work held the event loop (its
 * wall time when the store does not say), at most `restMaxMs`: waiting for the commit's flush and the
 * callbacks served meanwhile are not the chunk's cost. Both are multiplied by the ingest guard's
 * factor while callbacks' commits are slowed (`pipeline/ingest-guard.ts`).
 */
const restFactor = 3;
const restMaxMs = 200;
/** A job of more than this many chunks starts slowly (`IngestGuard.hold`). */
const slowStartAbove = 10;
/** The longest rest while callbacks are slowed: a job stopped at shutdown ends within it and one more chunk. */
const slowedRestMaxMs = 1000;

/** Who acts: the token's name. */
export type Actor = string;
export interface Bulk {
  readonly dryRun?: boolean;
}

/**
 * Every operator action on one gateway's spool: reads straight from the store, changes through it
 * (its committer), each change audited. Large changes run as jobs in chunks and return at once; a
 * dry run only counts (and is audited as such).
 */
export function createAdmin(deps: AdminDeps) {
  const { store, clock } = deps;
  const chunk = deps.chunk ?? 100;
  const yieldFactor = () => deps.guard?.factor() ?? 1;
  // A replay step holds at most `replayStepMs` of work, so it may take more events than a chunk (see the store).
  const replayChunk = deps.chunk ?? 1000;
  const jobs = createJobs({ instance: deps.instance, clock });

  async function audit(actor: Actor, action: string, target: unknown, count: number, dryRun = false): Promise<void> {
    const entry: AuditEntry = { at: clock(), actor, action, target, count, dryRun };
    await store.audit(entry);
    deps.audited?.(entry);
  }

  function knownSinks(): string[] {
    return [...new Set([...deps.sinks, ...store.stats().sinks.map((s) => s.sink)])];
  }
  function checkSink(sink: string | undefined, among: readonly string[] = knownSinks()): void {
    if (sink !== undefined && !among.includes(sink)) throw new AdminError('invalid', `unknown sink: ${sink} (configured: ${deps.sinks.join(', ') || 'none'})`);
  }

  /** Counts (dry run) or starts a job that changes `total` entries and audits the outcome. */
  async function bulk(actor: Actor, action: string, target: unknown, total: number, dryRun: boolean | undefined, work: (progress: (n: number, workMs?: number) => Promise<void>) => Promise<Record<string, unknown> & { count: number }>) {
    if (dryRun) {
      await audit(actor, action, target, total, true);
      return { dryRun: true as const, count: total };
    }
    // Written before the first change: a job cut short by a crash leaves its start in the trail.
    await audit(actor, `${action}.started`, target, total);
    // A large job starts slowly and speeds up while callbacks fare as usual (the guard's slow start).
    if (total > slowStartAbove * chunk) deps.guard?.hold();
    let done = 0;
    return jobs.start(action, actor, total, async (progress) => {
      // Between chunks the job rests three times as long as the chunk took (at most 200 ms), longer while
      // callbacks' commits are slowed (at most 1 s): ingest shares the committer, the event loop and the disk with the
      // chunk and with delivering what it queued.
      let chunkStart = performance.now();
      const paced = async (n: number, workMs?: number): Promise<void> => {
        progress((done = n));
        const factor = yieldFactor();
        await new Promise((resolve) => setTimeout(resolve, Math.min(restMaxMs * factor, slowedRestMaxMs, restFactor * factor * (workMs ?? performance.now() - chunkStart))));
        chunkStart = performance.now();
      };
      try {
        const result = await work(paced);
        await audit(actor, action, target, result.count);
        return result;
      } catch (error) {
        // What an interrupted job changed is audited too.
        await audit(actor, `${action}.interrupted`, target, done).catch(() => undefined);
        throw error;
      }
    });
  }

  async function redriveOne(entry: QuarantineDetail, tally: Record<string, number>): Promise<void> {
    const outcome = deps.recheck(entry);
    const add = (key: string): void => void (tally[key] = (tally[key] ?? 0) + 1);
    if (outcome.kind === 'no_vendor') return add('vendorNotConfigured');
    if (outcome.kind === 'invalid') {
      await store.requarantine(entry.qid, outcome.reason, outcome.detail);
      return add('stillInvalid');
    }
    if (outcome.kind === 'ignored') {
      await store.dropQuarantine({ qids: [entry.qid] });
      return add('ignored');
    }
    add(await store.releaseQuarantined(entry.qid, outcome.event, entry.receivedAt));
  }

  // Open consoles ask every second each: the spool's statistics are read at most once a second of the clock.
  let statsRead: { at: number; stats: SpoolStats } | undefined;
  function recentStats(): SpoolStats {
    const now = clock();
    if (statsRead === undefined || now - statsRead.at >= 1000 || now < statsRead.at) statsRead = { at: now, stats: store.stats() };
    return statsRead.stats;
  }

  return {
    jobs,
    stats: () => ({ instance: deps.instance, ...recentStats(), configuredSinks: deps.sinks, pausedSinks: deps.lanes?.paused() ?? [] }),
    sinkSettings: () => ({ items: deps.sinkSettings ?? [] }),
    searchEvents: (filter: EventFilter, page: PageRequest) => searchFollowing(store, filter, page),
    event(idOrSeq: string | number) {
      const found = store.event(idOrSeq);
      if (!found) throw new AdminError('not_found', `no event ${idOrSeq}`);
      return found;
    },

    deadLetters(filter: DeadLetterFilter, page: PageRequest) {
      checkSink(filter.sink);
      return store.deadLetters(filter, page);
    },
    async redriveDeadLetters(actor: Actor, filter: DeadLetterFilter, options: Bulk = {}) {
      checkSink(filter.sink);
      return bulk(actor, 'dlq.redrive', filter, await store.countDeadLetters(filter), options.dryRun, async (onProgress) => ({
        count: await store.redriveDeadLetters(filter, clock(), { chunk, onProgress }),
      }));
    },
    async dropDeadLetters(actor: Actor, filter: DeadLetterFilter, options: Bulk = {}) {
      checkSink(filter.sink);
      return bulk(actor, 'dlq.drop', filter, await store.countDeadLetters(filter), options.dryRun, async (onProgress) => ({
        count: await store.dropDeadLetters(filter, { chunk, onProgress }),
      }));
    },

    quarantine: (filter: QuarantineFilter, page: PageRequest) => store.quarantine(filter, page),
    quarantined(qid: number) {
      const entry = store.quarantined(qid);
      if (!entry) throw new AdminError('not_found', `no quarantined request with qid ${qid}`);
      return entry;
    },
    /** Re-checks each entry through the vendor that received it; valid ones become events. */
    async redriveQuarantine(actor: Actor, filter: QuarantineFilter, options: Bulk = {}) {
      return bulk(actor, 'quarantine.redrive', filter, store.countQuarantine(filter), options.dryRun, async (progress) => {
        const tally: Record<string, number> = { accepted: 0, duplicate: 0, ignored: 0, stillInvalid: 0, missing: 0, vendorNotConfigured: 0 };
        // Listed ids are taken one by one (a missing one is counted); a filter is paged through first.
        const qids = filter.qids ? [...filter.qids] : collectQids(filter);
        let done = 0;
        for (const qid of [...qids].sort((a, b) => a - b)) {
          const entry = store.quarantined(qid);
          if (entry) await redriveOne(entry, tally);
          else tally['missing'] = (tally['missing'] ?? 0) + 1;
          await progress((done += 1));
        }
        return { ...tally, count: done };
      });
    },
    async dropQuarantine(actor: Actor, filter: QuarantineFilter, options: Bulk = {}) {
      const total = store.countQuarantine(filter);
      if (options.dryRun) return bulk(actor, 'quarantine.drop', filter, total, true, async () => ({ count: 0 }));
      const count = await store.dropQuarantine(filter);
      await audit(actor, 'quarantine.drop', filter, count);
      return { dryRun: false as const, count };
    },

    /** Queues stored events of the range again for `sink`, or for every configured sink. */
    async replay(actor: Actor, range: ReplayFilter & { sink?: string }, options: Bulk = {}) {
      checkSink(range.sink, deps.sinks);
      if (range.since === undefined && range.seqs === undefined) throw new AdminError('invalid', 'a replay needs since (a time range) or seqs (log positions)');
      const targets = range.sink === undefined ? deps.sinks : [range.sink];
      let total = 0;
      for (const sink of targets) total += await store.countReplay(range, sink);
      return bulk(actor, 'replay', range, total, options.dryRun, async (progress) => {
        let queued = 0;
        for (const sink of targets) {
          const before = queued;
          queued += await store.replay(range, sink, clock(), { chunk: replayChunk, onProgress: (n, workMs) => progress(before + n, workMs) });
        }
        return { queued, count: queued };
      });
    },

    pendingCounts: () => store.pendingCounts(),
    /** Only for a sink this process no longer delivers to. */
    async dropPending(actor: Actor, sink: string, options: Bulk = {}) {
      checkRemoved(sink);
      const dropped = options.dryRun ? pendingOf(sink) : await store.dropPending(sink);
      await audit(actor, 'pending.drop', { sink }, dropped, options.dryRun);
      return { dropped };
    },
    async movePending(actor: Actor, sink: string, to: string, options: Bulk = {}) {
      checkRemoved(sink);
      checkSink(to, deps.sinks);
      const moved = options.dryRun ? pendingOf(sink) : await store.movePending(sink, to, clock());
      await audit(actor, 'pending.move', { sink, to }, moved, options.dryRun);
      return { moved, to };
    },

    /** Holds back (or resumes) a sink's deliveries; kept in the spool, so a restart keeps it paused. */
    async pauseSink(actor: Actor, sink: string, pause: boolean) {
      checkSink(sink, deps.sinks);
      const lanes = deps.lanes;
      if (!lanes) throw new AdminError('refused', 'no dispatcher runs here: sinks cannot be paused');
      const changed = pause ? lanes.pause(sink) : lanes.resume(sink);
      try {
        if (changed) await store.setPaused(sink, pause ? { at: clock(), actor } : undefined);
      } catch (error) {
        // Not on disk: the lane goes back to where it was, so memory and spool agree.
        if (pause) lanes.resume(sink);
        else lanes.pause(sink);
        throw error;
      }
      await audit(actor, pause ? 'sink.pause' : 'sink.resume', { sink }, changed ? 1 : 0);
      return { sink, paused: lanes.paused().includes(sink) };
    },

    auditTrail: (page: PageRequest) => store.auditTrail(page),
    /** Records a Tencent group sequence range to read from the history (a dry run counts the numbers). */
    async recordGap(actor: Actor, gap: NewGap & { fromSeq: number; untilSeq: number }, options: Bulk = {}) {
      if (gap.untilSeq < gap.fromSeq) throw new AdminError('invalid', `untilSeq ${gap.untilSeq} is below fromSeq ${gap.fromSeq}`);
      const count = gap.untilSeq - gap.fromSeq + 1;
      if (count > maxGapNumbers) throw new AdminError('invalid', `a range of ${count} numbers: at most ${maxGapNumbers} are read back a request (record a wider one in parts)`);
      if (options.dryRun) {
        await audit(actor, 'gap.record', gap, count, true);
        return { dryRun: true as const, count };
      }
      if (!deps.gaps?.record) throw new AdminError('refused', 'backfill is not configured here (BACKFILL_TENCENT_URL and BACKFILL_TENCENT_KEY)');
      // Asked for now: its age (the unfilled-gap alert) counts from the request.
      const recorded = await deps.gaps.record({ ...gap, fromAt: clock(), untilAt: clock() });
      await audit(actor, 'gap.record', gap, count);
      return recorded;
    },
    /**
     * Records a window of one vendor's history to read back (a `window` gap the backfill fills); a dry
     * run only counts: the conversations it would read, or for a history read whole (Easemob's hour
     * files) the window's messages the spool does not have. Audited as `backfill.window`.
     */
    async backfillWindow(actor: Actor, request: WindowRequest, options: Bulk = {}) {
      if (request.untilAt <= request.fromAt) throw new AdminError('invalid', 'until must be after since');
      const windows = deps.windows;
      if (!windows?.vendors.includes(request.vendor)) {
        throw new AdminError('refused', `backfill is not configured here for ${request.vendor} (configured: ${windows?.vendors.join(', ') || 'none'})`);
      }
      if (options.dryRun) {
        const count = windows.preview ? await windows.preview(request) : windows.count(request);
        await audit(actor, 'backfill.window', request, count, true);
        return { dryRun: true as const, count, fromAt: request.fromAt, untilAt: request.untilAt };
      }
      const recorded = await windows.record(request, `asked by ${actor}`);
      await audit(actor, 'backfill.window', request, windows.count(request));
      return recorded;
    },
    /**
     * Settles an open gap by hand: `filled` (the messages came another way) or `unfillable` (accepted as
     * lost: past the vendor's retention, no backfill for that vendor). Its note says who and why; it
     * no longer counts as open (metrics, alerts). Audited as `gap.settle`.
     */
    async settleGap(actor: Actor, gid: number, state: 'filled' | 'unfillable', note: string) {
      const gaps = deps.gaps;
      if (!gaps?.get || !gaps.settleOpen) throw new AdminError('refused', 'gaps are not kept here');
      const gap = gaps.get(gid);
      if (!gap) throw new AdminError('not_found', `no gap ${gid}`);
      const settled = gap.state === 'open' ? await gaps.settleOpen(gid, state, `settled by ${actor}: ${note}`) : undefined;
      if (!settled) throw new AdminError('refused', `gap ${gid} is not open (it is ${gaps.get(gid)?.state ?? gap.state})`);
      await audit(actor, 'gap.settle', { gid, kind: gap.kind, state, note }, 1);
      return settled;
    },
    /** Gaps newest first: outages of the gateway and holes in message sequences, with their state. */
    gaps(filter: GapFilter, page: PageRequest): Page<Gap> {
      const rows = deps.gaps?.list(filter, page.limit + 1, page.after === undefined ? undefined : Number(page.after)) ?? [];
      return rows.length > page.limit ? { items: rows.slice(0, page.limit), next: String(rows[page.limit - 1]?.gid) } : { items: rows };
    },
    job(id: string): Job {
      const job = jobs.get(id);
      if (!job) throw new AdminError('not_found', `no job ${id}`);
      return job;
    },
  };

  function pendingOf(sink: string): number {
    return store.pendingCounts().find((row) => row.sink === sink)?.pending ?? 0;
  }

  function collectQids(filter: QuarantineFilter): number[] {
    const qids: number[] = [];
    for (let page = store.quarantine(filter, { limit: chunk }); ; page = store.quarantine(filter, { limit: chunk, after: page.next })) {
      qids.push(...page.items.map((item) => item.qid));
      if (page.next === undefined) return qids;
    }
  }

  function checkRemoved(sink: string): void {
    if (deps.sinks.includes(sink)) throw new AdminError('refused', `sink ${sink} is configured: its events are being delivered; only a sink no longer in CONFIG_FILE can be dropped or moved`);
    checkSink(sink);
  }
}

export type Admin = ReturnType<typeof createAdmin>;

/** Slices of the log one search request may examine (each a bounded call into the spool). */
const searchSlices = 40;

/**
 * The spool examines a bounded slice of the log per call and may answer a short page with `next`;
 * a request follows `next` until its page is full, the log is exhausted or `searchSlices` slices were
 * read, yielding the event loop between slices so callbacks are served meanwhile.
 */
async function searchFollowing(store: AdminStore, filter: EventFilter, page: PageRequest): Promise<Page<SearchedEvent>> {
  const items: SearchedEvent[] = [];
  let after = page.after;
  for (let slice = 0; slice < searchSlices; slice += 1) {
    if (slice > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const found = store.searchEvents(filter, { limit: page.limit - items.length, ...(after === undefined ? {} : { after }) });
    items.push(...found.items);
    after = found.next;
    if (after === undefined || items.length >= page.limit) break;
  }
  return after === undefined ? { items } : { items, next: after };
}
