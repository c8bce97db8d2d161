import type { Event, EventOrigin } from '../events/event';
import type { Intake, Outcome } from '../events/intake';
import { PipelineUnavailable, originOf, type IntakeRequest } from './accept';
import type { Spool } from './spool';

/** One intake of a batch with the request it came from (as `accept` takes them). */
export interface BatchItem {
  readonly intake: Intake;
  readonly request: IntakeRequest;
}

/**
 * The acceptor of many intakes at once, beside `createAcceptor` (spool mode; for intakes that arrive
 * in batches, such as a page of a vendor's history): the events are committed to the spool together
 * (one write, one de-duplication pass), an invalid body is quarantined raw as `accept` does, an
 * ignored one only reported. Resolves with an outcome per item, in order, once everything is
 * committed; rejects with `PipelineUnavailable` otherwise: when the events could not be stored (then
 * none of them is), or an invalid body could not be quarantined (then the events may be stored, and
 * come back as duplicates when the batch is given again).
 */
export function createBatchAcceptor(deps: { readonly spool: Pick<Spool, 'appendMany' | 'quarantine' | 'derives'> }) {
  return async function acceptMany(items: readonly BatchItem[], receivedAt: number): Promise<Outcome[]> {
    const events: Event[] = [];
    const origins: (EventOrigin | undefined)[] = [];
    for (const { intake, request } of items) {
      if (intake.kind !== 'event') continue;
      events.push(intake.event);
      origins.push(originOf(deps.spool, request));
    }
    let stored: ('accepted' | 'duplicate')[];
    try {
      stored = events.length === 0 ? [] : await deps.spool.appendMany(events, receivedAt, origins);
    } catch (error) {
      throw new PipelineUnavailable('spool', 'could not store the events', { cause: error });
    }
    const outcomes: Outcome[] = [];
    let next = 0;
    for (const { intake, request } of items) {
      if (intake.kind === 'event') outcomes.push({ kind: stored[next++] as 'accepted' | 'duplicate' });
      else if (intake.kind === 'ignored') outcomes.push({ kind: 'ignored' });
      else outcomes.push(await quarantine(intake, request));
    }
    return outcomes;
  };

  async function quarantine(intake: Extract<Intake, { kind: 'invalid' }>, request: IntakeRequest): Promise<Outcome> {
    try {
      await deps.spool.quarantine({ receivedAt: request.receivedAt, vendor: request.vendor, command: intake.label, reason: intake.reason, detail: intake.detail, head: request.head(), body: request.body });
    } catch (error) {
      throw new PipelineUnavailable('spool', 'could not store the request', { cause: error });
    }
    return { kind: 'quarantined', detail: intake.detail };
  }
}

export type AcceptMany = ReturnType<typeof createBatchAcceptor>;
