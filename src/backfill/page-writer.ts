import type { BackfillPageIntake, FetchedOutcome } from './fill-sequence-gaps';
import { createPace } from './pace';

/** The bodies of one page handed to the intake together: one spool write, its mapping made in slices. */
export const writerPageSize = 100;

/** Pages handed to the intake and not stored yet, at most: the next page is read and made while they wait for their commit. */
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
}

/**
 * Hands the bodies of `bodies` (the callback bodies of fetched messages, in order) to the page intake
 * `pageSize` at a time, and counts what it made of each. The next page is read and made while up to
 * `pagesStoring` wait for their commit, and after each page the backfill rests when the event loop is
 * too busy (`pace.ts`). Resolves once every page is stored, so what a filler notes as read after it is
 * in the spool; on a failure (the read's or a page's) it waits for the pages still being stored, then
 * throws that failure.
 */
export async function writePages(bodies: AsyncIterable<Record<string, unknown>>, deps: PageWriterDeps): Promise<void> {
  const pageSize = deps.pageSize ?? writerPageSize;
  const pace = createPace();
  const storing: Promise<void>[] = [];
  let page: Record<string, unknown>[] = [];
  const handOver = async (): Promise<void> => {
    const bodiesOfPage = page;
    page = [];
    const write = deps.intake(deps.vendor, deps.api, deps.query, bodiesOfPage).then((outcomes) => {
      for (const outcome of outcomes) deps.counts[outcome] += 1;
    });
    // Awaited in turn below; a failure meanwhile is not an unhandled rejection.
    write.catch(() => undefined);
    storing.push(write);
    if (storing.length > pagesStoring) await storing.shift();
    await pace.rest();
  };
  try {
    for await (const body of bodies) {
      page.push(body);
      if (page.length >= pageSize) await handOver();
    }
    if (page.length > 0) await handOver();
    while (storing.length > 0) await storing.shift();
  } finally {
    // A read that failed or was stopped still waits for its pages' writes: none is left running.
    await Promise.allSettled(storing);
  }
}
