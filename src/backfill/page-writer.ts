import type { BackfillPageIntake, FetchedOutcome } from './fill-sequence-gaps';
import { createPace, type Pace } from './pace';

/** The bodies of one page handed to the intake together: one spool write, its mapping made in slices. */
export const writerPageSize = 100;

/**
 * Pages handed to the intake and not stored yet that the writer reads on past: with the page just
 * handed over, up to this many and one more are with the intake before the oldest is waited for.
 */
export const pagesStoring = 2;

export interface PageWriterDeps {
  readonly intake: BackfillPageIntake;
  readonly vendor: string;
  readonly api: string;
  /** The query the vendor's callback would have carried (the same for every body). */
  readonly query: URLSearchParams;
  /** What the intake made of each body is counted here. */
  readonly counts: Record<FetchedOutcome, number>;
  readonly pageSize?: number;
  /** Shared by the writers of conversations read side by side (one rest for all); else one of its own. */
  readonly pace?: Pace;
}

/**
 * Hands the bodies of `bodies` (the callback bodies of fetched messages, in order) to the page intake
 * `pageSize` at a time, and counts what it made of each. The next page is read and made while earlier
 * ones wait for their commit (`pagesStoring`), and after each page the backfill rests when the event
 * loop is too busy (`pace.ts`). Resolves once every page is stored, so what a filler notes as read
 * after it is in the spool. Otherwise it rejects once no page is with the intake any more: with a
 * page's failure when one could not be stored (a spool failure keeps the window open, whatever the
 * read did), else with the read's.
 */
export async function writePages(bodies: AsyncIterable<Record<string, unknown>>, deps: PageWriterDeps): Promise<void> {
  const pageSize = deps.pageSize ?? writerPageSize;
  const pace = deps.pace ?? createPace();
  const storing: Promise<void>[] = [];
  const handedOver: Promise<void>[] = [];
  let page: Record<string, unknown>[] = [];
  const handOver = async (): Promise<void> => {
    const bodiesOfPage = page;
    page = [];
    const write = deps.intake(deps.vendor, deps.api, deps.query, bodiesOfPage).then((outcomes) => {
      for (const outcome of outcomes) deps.counts[outcome] += 1;
    });
    // Awaited below (in turn, and all of them at the end); a failure meanwhile is not an unhandled rejection.
    write.catch(() => undefined);
    storing.push(write);
    handedOver.push(write);
    if (storing.length > pagesStoring) await storing.shift();
    await pace.rest();
  };
  let readFailure: { readonly error: unknown } | undefined;
  try {
    for await (const body of bodies) {
      page.push(body);
      if (page.length >= pageSize) await handOver();
    }
    if (page.length > 0) await handOver();
  } catch (error) {
    readFailure = { error };
  }
  const written = await Promise.allSettled(handedOver);
  const failedWrite = written.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failedWrite !== undefined) throw failedWrite.reason;
  if (readFailure !== undefined) throw readFailure.error;
}
