// The seam between the backfill worker and each vendor's history reader: a window of time, the
// conversations seen in it, and a filler that hands every message found to the intake.
import type { SeenConversation } from '../pipeline/spool/conversations';
import type { BackfillPageIntake, FillResult } from './fill-sequence-gaps';
import type { ConversationsWanted } from './round-trips';

export type { SeenConversation };

/** One window of time to read back from one vendor's history. */
export interface BackfillWindow {
  readonly gid: number;
  readonly vendor: string;
  readonly app?: string | undefined;
  readonly fromAt: number;
  readonly untilAt: number;
  /**
   * Conversations seen in the retention period (none for vendors that read the whole app), for one
   * pass only, in pages read from the spool as the filler asks for them: memory holds one page,
   * however many were seen. Asking for the next page notes the one before as read (a window cut short
   * resumes after it), so a filler reads every conversation of a page before it asks for the next
   * (`readConversations`).
   */
  readonly conversations: Iterable<readonly SeenConversation[]> | AsyncIterable<readonly SeenConversation[]>;
}

/**
 * Reads one window back and hands every message to the intake, a page of them at a time (`writePages`);
 * resolves when done, throws on an API failure (the window stays open and is tried again).
 */
export type WindowFiller = (window: BackfillWindow, deps: { readonly intake: BackfillPageIntake; readonly signal: AbortSignal; readonly clock: () => number }) => Promise<FillResult>;

/**
 * Reads every conversation of the window with `read`, side by side, page by page: all of a page's
 * conversations are read before the next page is asked for. How many at once is `wanted` (a number, or
 * a count that follows the round trips of the history calls, `round-trips.ts`, and is looked at again
 * each time it may have grown and each time a read ends). Each read is given a signal that aborts with
 * `signal` or once a read of the page failed: then no conversation is started, the ones in flight are
 * told to stop and waited for, and the first failure is thrown (the page is read again when the window
 * is, so the rest of their histories would be read twice). Once `signal` is aborted none is started and
 * the ones in flight are waited for. Either way the page stays unread.
 */
export async function readConversations(conversations: BackfillWindow['conversations'], read: ConversationRead, signal: AbortSignal, wanted: number | ConversationsWanted): Promise<void> {
  const inFlight = typeof wanted === 'number' ? () => wanted : () => wanted.now();
  for await (const page of conversations) {
    if (signal.aborted) return;
    const failure = await readPage(page, read, signal, inFlight, typeof wanted === 'number' ? undefined : wanted);
    if (failure !== undefined) throw failure.error;
    if (signal.aborted) return;
  }
}

/** Reads one conversation's history; `signal` says when to stop. */
export type ConversationRead = (conversation: SeenConversation, signal: AbortSignal) => Promise<void>;

/** A count of reads at once that always lets one go (so a page is never left with none started). */
const atLeastOne = (n: number): number => (Number.isFinite(n) ? Math.max(1, n) : 1);

/** Reads the conversations of one page, up to `inFlight()` at once; settles once none is read any more, with the first failure. */
function readPage(page: readonly SeenConversation[], read: ConversationRead, signal: AbortSignal, inFlight: () => number, changes: ConversationsWanted | undefined): Promise<{ readonly error: unknown } | undefined> {
  return new Promise((resolve) => {
    let [next, running] = [0, 0];
    let failure: { readonly error: unknown } | undefined;
    const failed = new AbortController();
    const given = AbortSignal.any([signal, failed.signal]);
    const stopWatching = changes?.watch(() => startMore());
    const startMore = (): void => {
      while (!given.aborted && next < page.length && running < atLeastOne(inFlight())) {
        const conversation = page[next++] as SeenConversation;
        running += 1;
        // A read that throws rather than rejects fails the same way.
        Promise.resolve().then(() => read(conversation, given)).then(
          () => undefined,
          (error: unknown) => {
            failure ??= { error };
            failed.abort(error);
          },
        ).finally(() => {
          running -= 1;
          startMore();
        });
      }
      if (running === 0) {
        stopWatching?.();
        resolve(failure);
      }
    };
    startMore();
  });
}
