import type { BackfillIntake, FillResult } from './fill-sequence-gaps';

/** A conversation the gateway saw a message in (for history APIs read per conversation). */
export interface SeenConversation {
  readonly vendor: string;
  readonly app: string;
  /** `user`: one-to-one (`a` and `b` are the two accounts, a < b); `group`: a group/team (`a` its id); `room`: a chat room. */
  readonly kind: 'user' | 'group' | 'room';
  readonly a: string;
  readonly b?: string | undefined;
  readonly lastAt: number;
}

/** One window of time to read back from one vendor's history. */
export interface BackfillWindow {
  readonly gid: number;
  readonly vendor: string;
  readonly app?: string | undefined;
  readonly fromAt: number;
  readonly untilAt: number;
  /** Conversations seen in the retention period (empty for vendors that read the whole app). */
  readonly conversations: readonly SeenConversation[];
}

/** Reads one window back and hands every message to the intake; resolves when done, throws on an API failure (the window stays open and is tried again). */
export type WindowFiller = (window: BackfillWindow, deps: { readonly intake: BackfillIntake; readonly signal: AbortSignal; readonly clock: () => number }) => Promise<FillResult>;
