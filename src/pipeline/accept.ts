import type { Event, EventOrigin } from '../events/event';
import type { Intake, Outcome, StoredHead } from '../events/intake';
import type { IngestGuard } from './ingest-guard';
import type { RecentIds } from './recent-ids';
import type { Spool } from './spool';

/** The pipeline could not make an accepted event safe: the spool did not commit, or (direct mode) a required sink did not take it. */
export class PipelineUnavailable extends Error {
  override readonly name = 'PipelineUnavailable';
  constructor(
    readonly part: 'spool' | 'sink',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface AcceptDeps {
  readonly spool: Spool;
  /** `direct` ack mode: resolves once every required sink has the event, else rejects with `PipelineUnavailable('sink')`. */
  readonly deliverNow?: (event: Event) => Promise<void>;
  /**
   * Direct mode: whether a spooled (not required) sink wants the event. When none does, the spool keeps
   * only what de-duplication needs (the id and the envelope's required attributes), not the body.
   */
  readonly spoolWants?: (event: Event) => boolean;
  /** Direct mode: where an event no spooled sink wants is de-duplicated (instead of the spool). */
  readonly recentIds?: RecentIds;
  /** Told how long each new event's spool commit took (not a required sink's write in direct mode). */
  readonly guard?: Pick<IngestGuard, 'now' | 'observe'>;
}

/** The smallest event that still de-duplicates: its id and the CloudEvents required attributes. */
function idOnly(event: Event): Event {
  const { specversion, id, source, type, time, datacontenttype } = event.attributes;
  return { attributes: { specversion, id, source, type, time, datacontenttype }, data: 'null' };
}

/** What the pipeline needs to know about the request an intake came from. */
export interface IntakeRequest {
  readonly vendor: string;
  /** The request head as the quarantine keeps it (secrets redacted); made only when it is needed. */
  readonly head: () => StoredHead;
  readonly body: Buffer;
  readonly receivedAt: number;
  /** Attributes the intake added on top of the vendor's mapping (a backfill's `backfill=<api>`). */
  readonly added?: Readonly<Record<string, string>>;
}

/**
 * What the vendor's mapping made the request's event from, when the spool stores events that way (it
 * then keeps the body and this origin, not the attributes and the message).
 */
export function originOf(spool: Pick<Spool, 'derives'>, request: IntakeRequest): EventOrigin | undefined {
  if (spool.derives !== true) return undefined;
  return request.added === undefined ? { vendor: request.vendor, head: request.head() } : { vendor: request.vendor, head: request.head(), added: request.added };
}

/**
 * The one place a vendor's intake becomes durable: an event is committed to the spool (and in direct
 * mode written to the required sinks first), an invalid body is quarantined raw, an ignored one is
 * only reported. Resolves only after the commit; rejects with `PipelineUnavailable` otherwise.
 */
export function createAcceptor(deps: AcceptDeps) {
  const inFlight = new Map<string, Promise<void>>();

  async function store<T>(commit: () => Promise<T>): Promise<T> {
    try {
      return await commit();
    } catch (error) {
      throw new PipelineUnavailable('spool', 'could not store the event', { cause: error });
    }
  }

  /**
   * Direct mode: a new event is written to the required sinks before the reply; if that fails it is
   * forgotten (so a resend is not a duplicate) and the failure is thrown. A copy arriving meanwhile
   * waits for the first one's outcome instead of being answered OK too early.
   */
  async function deliverDirectly(deliverNow: (event: Event) => Promise<void>, event: Event, stored: 'accepted' | 'duplicate'): Promise<void> {
    const id = event.attributes.id;
    if (stored === 'duplicate') return inFlight.get(id);
    const delivery = deliverNow(event).catch(async (error: unknown) => {
      deps.recentIds?.forget(id);
      await deps.spool.forget(id);
      throw error;
    });
    inFlight.set(id, delivery);
    try {
      await delivery;
    } finally {
      inFlight.delete(id);
    }
  }

  return async function accept(intake: Intake, request: IntakeRequest): Promise<Outcome> {
    switch (intake.kind) {
      case 'ignored':
        return { kind: 'ignored' };
      case 'invalid':
        await store(() =>
          deps.spool.quarantine({
            receivedAt: request.receivedAt,
            vendor: request.vendor,
            command: intake.label,
            reason: intake.reason,
            detail: intake.detail,
            head: request.head(),
            body: request.body,
          }),
        );
        return { kind: 'quarantined', detail: intake.detail };
      case 'event': {
        const spoolWants = !deps.spoolWants || deps.spoolWants(intake.event);
        let stored: 'accepted' | 'duplicate';
        if (!spoolWants && deps.recentIds) stored = deps.recentIds.add(intake.event.attributes.id) ? 'accepted' : 'duplicate';
        else {
          const startedAt = deps.guard?.now();
          stored = await store(() => (spoolWants ? deps.spool.append(intake.event, request.receivedAt, originOf(deps.spool, request)) : deps.spool.append(idOnly(intake.event), request.receivedAt)));
          if (stored === 'accepted' && startedAt !== undefined) deps.guard?.observe(startedAt);
        }
        if (deps.deliverNow) await deliverDirectly(deps.deliverNow, intake.event, stored);
        return { kind: stored };
      }
    }
  };
}

export type Accept = ReturnType<typeof createAcceptor>;
