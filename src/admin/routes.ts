import { z } from 'zod';
import type { Admin } from '../pipeline/admin';
import * as s from './schemas';
import type { Role } from './tokens';

/** What a handler gets: validated inputs and who asks. */
export interface Call<P, Q, B> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  readonly actor: string;
}

/** One route of the admin API: its inputs, output and the role it needs; the table is also the OpenAPI document. */
export interface Route {
  readonly method: 'get' | 'post';
  /** Express form (`/events/:id`); the document turns `:id` into `{id}`. */
  readonly path: string;
  readonly role: Role;
  readonly summary: string;
  readonly tag: string;
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  readonly body?: z.ZodObject;
  readonly response: z.ZodType;
  /** 202 for a started job (its result comes later). */
  readonly handle: (admin: Admin, call: Call<never, never, never>) => Promise<unknown> | unknown;
}

const route = <P extends z.ZodObject | undefined, Q extends z.ZodObject | undefined, B extends z.ZodObject | undefined>(
  r: Omit<Route, 'handle' | 'params' | 'query' | 'body'> & {
    params?: P;
    query?: Q;
    body?: B;
    handle: (admin: Admin, call: Call<Out<P>, Out<Q>, Out<B>>) => unknown;
  },
): Route => r as Route;
type Out<T> = T extends z.ZodType ? z.output<T> : undefined;

const page = (q: { limit: number; after?: string }) => ({ limit: q.limit, ...(q.after === undefined ? {} : { after: q.after }) });
/** A started job answers with the job as it stands; `settled` is not awaited (a client polls `/jobs/{id}`). */
const started = (r: { dryRun: true; count: number } | { job: unknown; settled: Promise<unknown> }) => ('job' in r ? { job: r.job } : r);

export const routes: readonly Route[] = [
  route({ method: 'get', path: '/stats', role: 'viewer', tag: 'spool', summary: 'Spool statistics: events, pending and dead letters per sink, quarantine', response: s.stats, handle: (a) => a.stats() }),
  route({ method: 'get', path: '/events', role: 'viewer', tag: 'events', summary: 'Search events, newest first', query: s.eventQuery, response: s.eventPage,
    handle: (a, { query: { limit, after, ...filter } }) => a.searchEvents(filter, page({ limit, after })) }),
  route({ method: 'get', path: '/events/:id', role: 'viewer', tag: 'events', summary: "One event with each sink's state", params: s.seqOrId, response: s.eventDetail,
    handle: (a, { params }) => a.event(/^\d+$/.test(params.id) ? Number(params.id) : params.id) }),
  route({ method: 'get', path: '/dead-letters', role: 'viewer', tag: 'dead letters', summary: 'Dead letters, newest first', query: s.deadLetterQuery, response: s.page(s.deadLetter),
    handle: (a, { query: { limit, after, ...filter } }) => a.deadLetters(filter, page({ limit, after })) }),
  route({ method: 'post', path: '/dead-letters/redrive', role: 'operator', tag: 'dead letters', summary: "Back to each sink's queue, due now (a job; dryRun only counts)", body: s.deadLetterChange, response: s.bulkResult,
    handle: (a, { actor, body: { dryRun, ...filter } }) => a.redriveDeadLetters(actor, filter, { dryRun }).then(started) }),
  route({ method: 'post', path: '/dead-letters/drop', role: 'operator', tag: 'dead letters', summary: 'Remove dead letters (a job; dryRun only counts)', body: s.deadLetterChange, response: s.bulkResult,
    handle: (a, { actor, body: { dryRun, ...filter } }) => a.dropDeadLetters(actor, filter, { dryRun }).then(started) }),
  route({ method: 'get', path: '/quarantine', role: 'viewer', tag: 'quarantine', summary: 'Quarantined requests, newest first', query: s.quarantineQuery, response: s.page(s.quarantineSummary),
    handle: (a, { query: { limit, after, ...filter } }) => a.quarantine(filter, page({ limit, after })) }),
  route({ method: 'get', path: '/quarantine/:qid', role: 'viewer', tag: 'quarantine', summary: 'One quarantined request: head (secrets redacted), body as text and base64', params: s.qidParam, response: s.quarantineDetail,
    handle: (a, { params }) => {
      const entry = a.quarantined(params.qid);
      return { ...entry, body: new TextDecoder('utf-8', { fatal: false }).decode(entry.body), bodyBase64: entry.body.toString('base64') };
    } }),
  route({ method: 'post', path: '/quarantine/redrive', role: 'operator', tag: 'quarantine', summary: 'Re-check through the vendor that received them; valid ones become events (a job)', body: s.quarantineChange, response: s.bulkResult,
    handle: (a, { actor, body: { dryRun, ...filter } }) => a.redriveQuarantine(actor, filter, { dryRun }).then(started) }),
  route({ method: 'post', path: '/quarantine/drop', role: 'operator', tag: 'quarantine', summary: 'Remove quarantined requests (dryRun only counts)', body: s.quarantineChange, response: s.bulkResult,
    handle: (a, { actor, body: { dryRun, ...filter } }) => a.dropQuarantine(actor, filter, { dryRun }) }),
  route({ method: 'post', path: '/replay', role: 'operator', tag: 'replay', summary: 'Deliver stored events again: a time range, or the events at the given log positions (a job; dryRun only counts)', body: s.replayBody, response: s.bulkResult,
    handle: (a, { actor, body: { dryRun, ...range } }) => a.replay(actor, range, { dryRun }).then(started) }),
  route({ method: 'get', path: '/pending', role: 'viewer', tag: 'pending', summary: 'Events pending per sink, configured or not', response: s.pendingCounts,
    handle: (a) => ({ items: a.pendingCounts().map((row) => ({ ...row, configured: a.stats().configuredSinks.includes(row.sink) })) }) }),
  route({ method: 'post', path: '/pending/drop', role: 'operator', tag: 'pending', summary: 'Remove what waits for a sink no longer configured', body: s.pendingDropBody, response: s.pendingDropped,
    handle: (a, { actor, body }) => a.dropPending(actor, body.sink, { dryRun: body.dryRun }) }),
  route({ method: 'post', path: '/pending/move', role: 'operator', tag: 'pending', summary: 'Hand what waits for a removed sink to a configured one', body: s.pendingMoveBody, response: s.pendingMoved,
    handle: (a, { actor, body }) => a.movePending(actor, body.sink, body.to, { dryRun: body.dryRun }) }),
  route({ method: 'get', path: '/sinks', role: 'viewer', tag: 'sinks', summary: "Each configured sink's settings, secrets redacted", response: s.sinkSettings, handle: (a) => a.sinkSettings() }),
  route({ method: 'post', path: '/sinks/:sink/pause', role: 'operator', tag: 'sinks', summary: 'Hold back deliveries to a sink until resumed (kept across restarts)', params: s.sinkParam, response: s.sinkPaused,
    handle: (a, { actor, params }) => a.pauseSink(actor, params.sink, true) }),
  route({ method: 'post', path: '/sinks/:sink/resume', role: 'operator', tag: 'sinks', summary: 'Resume deliveries to a paused sink', params: s.sinkParam, response: s.sinkPaused,
    handle: (a, { actor, params }) => a.pauseSink(actor, params.sink, false) }),
  route({ method: 'get', path: '/jobs', role: 'viewer', tag: 'jobs', summary: "This pod's bulk changes, newest first", response: s.page(s.job), handle: (a) => ({ items: a.jobs.list() }) }),
  route({ method: 'get', path: '/jobs/:id', role: 'viewer', tag: 'jobs', summary: 'One bulk change and its progress', params: s.jobParam, response: s.job, handle: (a, { params }) => a.job(params.id) }),
  route({ method: 'get', path: '/gaps', role: 'viewer', tag: 'gaps', summary: 'Windows of possibly missed messages, newest first: gateway outages, Tencent group sequence holes, windows read back per vendor', query: s.gapQuery, response: s.page(s.gap),
    handle: (a, { query: { limit, after, ...filter } }) => a.gaps(filter, page({ limit, after })) }),
  route({ method: 'post', path: '/gaps', role: 'operator', tag: 'gaps', summary: 'Read a Tencent group MsgSeq range from the group history (recorded as a gap the backfill fills; dryRun only counts)', body: s.gapBody, response: z.union([s.gap, z.object({ dryRun: z.boolean(), count: z.number().int() })]),
    handle: (a, { actor, body: { dryRun, vendor, app, conversation, fromSeq, untilSeq } }) => a.recordGap(actor, { kind: 'sequence', vendor, app, conversation, fromSeq, untilSeq, fromAt: 0, untilAt: 0, note: `asked by ${actor}` }, { dryRun }) }),
  route({ method: 'post', path: '/gaps/:gid/settle', role: 'operator', tag: 'gaps', summary: 'Settle an open gap by hand: filled (the messages came another way) or unfillable (accepted as lost); it no longer counts as open', params: s.gapParam, body: s.gapSettleBody, response: s.gap,
    handle: (a, { actor, params, body }) => a.settleGap(actor, params.gid, body.state, body.note) }),
  route({ method: 'post', path: '/backfill', role: 'operator', tag: 'gaps', summary: "Read a time window back from one vendor's history (recorded as a window gap the backfill fills; dryRun only counts the conversations)", body: s.backfillBody, response: s.backfillResult,
    handle: (a, { actor, body: { dryRun, since, until, ...rest } }) => a.backfillWindow(actor, { ...rest, fromAt: since, untilAt: until }, { dryRun }) }),
  route({ method: 'get', path: '/audit', role: 'viewer', tag: 'audit', summary: 'The audit trail, newest first', query: s.pageQuery, response: s.page(s.auditEntry), handle: (a, { query }) => a.auditTrail(page(query)) }),
];
