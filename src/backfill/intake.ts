import type { IntakeRequest } from '../pipeline/accept';
import { createBatchAcceptor } from '../pipeline/accept-batch';
import type { Spool } from '../pipeline/spool';
import type { Intake, Outcome, StoredHead } from '../events/intake';
import type { CallbackHead, Vendor } from '../vendors/vendor';
import type { BackfillPageIntake, FetchedOutcome } from './fill-sequence-gaps';
import { mapInSlices } from './slices';

type Deps = { spool: Spool; vendors: readonly Vendor[]; clock: () => number };

const fetched = (outcome: Outcome): FetchedOutcome => (outcome.kind === 'accepted' || outcome.kind === 'duplicate' || outcome.kind === 'ignored' ? outcome.kind : 'invalid');

/**
 * What the vendor's mapping makes of a fetched body, marked `backfill=<api>`, and the request it stands
 * for. The bodies of one page share one `head` (a vendor parses its query once per head).
 */
function made(vendor: Vendor, api: string, head: CallbackHead, storedHead: () => StoredHead, body: Record<string, unknown>, receivedAt: number): { intake: Intake; request: IntakeRequest } {
  const raw = Buffer.from(JSON.stringify(body));
  const intake = vendor.toEvent(head, raw, receivedAt);
  const added = { backfill: api };
  const marked = intake.kind === 'event' ? { ...intake, event: { ...intake.event, attributes: { ...intake.event.attributes, ...added } } } : intake;
  return { intake: marked, request: { vendor: vendor.name, head: storedHead, body: raw, receivedAt, added } };
}

/** The head as the spool keeps it, made once for all the bodies that share it. */
function storedHeadOf(vendor: Vendor, head: CallbackHead): () => StoredHead {
  let stored: StoredHead | undefined;
  return () => (stored ??= vendor.storedHead(head));
}

/**
 * Pages the intake takes at once, across every fill (being made into events, appended, or waiting for
 * their commit): the work and the memory of as many pages as one conversation's writer keeps with it,
 * however many conversations are read side by side (they overlap their round trips, not this). Commits
 * keep the order of seqs, so this also bounds what a callback's commit can wait behind.
 */
export const pagesAtOnce = 3;

/** Slots handed out in the order asked for: `take` resolves once one is free, `give` frees it. */
function slots(size: number): { take(): Promise<void>; give(): void } {
  const waiting: (() => void)[] = [];
  let taken = 0;
  return {
    take: async () => {
      if (taken < size) taken += 1;
      else await new Promise<void>((resolve) => waiting.push(resolve));
    },
    // A freed slot goes straight to the first in line (still counted as taken).
    give: () => {
      const next = waiting.shift();
      if (next !== undefined) next();
      else taken -= 1;
    },
  };
}

/**
 * The intake of fetched messages, a page at a time, for any configured vendor by name: the body (and
 * query) each message's callback would have carried goes through that vendor's mapping, so it gets the
 * callback's event id (a late callback or a second fill is a duplicate), marked with the attribute
 * `backfill=<api>`; the page's events are made in slices of about a millisecond between which live
 * callbacks get in, then committed together (one spool write, one de-duplication pass), as the
 * callbacks' acceptor would store them one by one. Pages given while earlier ones are still being made
 * are made meanwhile but appended in the order they were given (a short last page that is made first
 * still comes after the pages before it), and at most `pagesAtOnce` pages are with it at once (the
 * next waits for one of them to be committed). An outcome per body, in order (`invalid` for all of
 * them when the vendor is not configured). Rejects when the spool could not store the page (then none of its
 * events is stored) or quarantine one of its bodies (then its events may be stored: a fill that reads
 * the page again finds them as duplicates).
 */
export function createBackfillPageIntake(deps: Deps): BackfillPageIntake {
  const acceptMany = createBatchAcceptor({ spool: deps.spool });
  /** Settled once the page given last has been appended (its events have their seqs), or has failed. */
  let appended: Promise<void> = Promise.resolve();
  const intakeSlots = slots(pagesAtOnce);
  return async (vendorName, api, query, bodies) => {
    const vendor = deps.vendors.find((v) => v.name === vendorName);
    if (vendor === undefined) return bodies.map(() => 'invalid' as const);
    await intakeSlots.take();
    const previous = appended;
    let turnDone = (): void => undefined;
    appended = new Promise<void>((resolve) => (turnDone = resolve));
    let accepted: Promise<Outcome[]>;
    try {
      const receivedAt = deps.clock();
      const head = { query, headers: {} };
      const storedHead = storedHeadOf(vendor, head);
      const items = await mapInSlices(bodies, (body) => made(vendor, api, head, storedHead, body, receivedAt));
      await previous;
      // Its events take their seqs as the acceptor is called, before it first waits: the next page may go on.
      accepted = acceptMany(items, receivedAt);
    } catch (error) {
      intakeSlots.give();
      throw error;
    } finally {
      turnDone();
    }
    try {
      return (await accepted).map(fetched);
    } finally {
      intakeSlots.give();
    }
  };
}
