import type { Vendor } from '../../vendors/vendor';
import type { BackfillPageIntake, FetchedOutcome } from '../fill-sequence-gaps';
import { fillEasemobHours, type EasemobHourReader } from './fill-hours';

/** Counts what reading a window back would take in, without storing anything. */
export type WindowCounter = (window: { readonly fromAt: number; readonly untilAt: number }, signal: AbortSignal) => Promise<number>;

/**
 * The dry run of an Easemob window asked for by hand: reads the hour files that cover the window (behind
 * the same quota as the reconciliation) and counts the window's messages the spool does not have — each
 * made into the event the intake would make, new when its id is neither stored (`has`) nor met earlier
 * in the files. Nothing is stored; hours whose file is not due, not stored yet or past the retention
 * count nothing. Throws on an API failure, as a fill does.
 */
export function easemobWindowCounter(reader: EasemobHourReader, deps: { vendor: Vendor; has: (id: string) => boolean; clock: () => number }): WindowCounter {
  return async (window, signal) => {
    const met = new Set<string>();
    const count: BackfillPageIntake = async (_vendor, _api, query, bodies) =>
      bodies.map((body): FetchedOutcome => {
        const made = deps.vendor.toEvent({ query, headers: {} }, Buffer.from(JSON.stringify(body)), deps.clock());
        if (made.kind !== 'event') return made.kind;
        const id = made.event.attributes.id;
        if (deps.has(id) || met.has(id)) return 'duplicate';
        met.add(id);
        return 'accepted';
      });
    const result = await fillEasemobHours(reader, window, { intake: count, signal, clock: deps.clock, within: true });
    return result.counts.accepted;
  };
}
