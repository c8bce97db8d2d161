// The seam between the backfill worker and each vendor's history reader: a window of time, the
// conversations seen in it, and a filler that hands every message found to the intake.
import type { SeenConversation } from '../pipeline/spool/conversations';
import type { BackfillPageIntake, FillResult } from './fill-sequence-gaps';

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
   * pass only: read from the spool a page at a time as the filler asks for them, so a filler reads
   * one conversation before asking for the next and never collects them.
   */
  readonly conversations: Iterable<SeenConversation> | AsyncIterable<SeenConversation>;
}

/**
 * Reads one window back and hands every message to the intake, a page of them at a time (`writePages`);
 * resolves when done, throws on an API failure (the window stays open and is tried again).
 */
export type WindowFiller = (window: BackfillWindow, deps: { readonly intake: BackfillPageIntake; readonly signal: AbortSignal; readonly clock: () => number }) => Promise<FillResult>;
