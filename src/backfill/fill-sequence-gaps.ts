import { maxGapNumbers, type Gap } from '../pipeline/spool/gaps';
import type { TencentGroupHistory } from './tencent/group-history';
import { groupCallbackBody, groupCallbackQuery } from './tencent/group-message';
import { TencentApiError } from './tencent/group-history';
import { createPace } from './pace';

/** What the intake made of one fetched message. */
export type FetchedOutcome = 'accepted' | 'duplicate' | 'invalid' | 'ignored';

/**
 * Hands a page of fetched messages to the same intake as a callback (vendor mapping, spool,
 * de-duplication), marked with the API they came from, in one spool write: an outcome per body, in order.
 */
export type BackfillPageIntake = (vendor: string, api: string, query: URLSearchParams, bodies: readonly Record<string, unknown>[]) => Promise<FetchedOutcome[]>;

export interface FillResult {
  readonly state: 'filled' | 'unfillable' | 'open';
  readonly note: string;
  readonly counts: Readonly<Record<FetchedOutcome | 'placeholder', number>>;
}

/** REST error codes that mean the history cannot be read for this group (it does not exist, or no permission). */
const unfillableCodes = new Set([10007, 10010, 10015]);

export const groupHistoryApi = 'tencent/group_msg_get_simple';

/**
 * Fills one Tencent group sequence gap from the group history: every message in the missing range
 * goes through the intake (a message the spool already has is a duplicate, as for a late callback);
 * placeholders (`IsPlaceMsg`: expired, not stored or deleted) are counted. Each page's messages are
 * handed over together (one spool write a page, made in short slices); the next pages are fetched while
 * the current one is stored, and after each page the backfill rests when the event loop is too busy
 * (`pace.ts`), so live callbacks are never starved.
 */
export async function fillTencentSequenceGap(gap: Gap, deps: { history: TencentGroupHistory; intake: BackfillPageIntake; sdkAppId: number; signal?: AbortSignal }): Promise<FillResult> {
  const counts = { accepted: 0, duplicate: 0, invalid: 0, ignored: 0, placeholder: 0 };
  if (gap.kind !== 'sequence' || gap.conversation === undefined || gap.fromSeq === undefined || gap.untilSeq === undefined) {
    return { state: 'open', note: 'not a sequence gap', counts };
  }
  const query = groupCallbackQuery(deps.sdkAppId);
  const group = gap.conversation;
  const pace = createPace();
  const fromSeq = Math.max(gap.fromSeq, gap.untilSeq - maxGapNumbers + 1);
  try {
    for await (const page of deps.history.pages(group, fromSeq, gap.untilSeq, deps.signal)) {
      const stored = page.filter((message) => message.IsPlaceMsg !== 1);
      counts.placeholder += page.length - stored.length;
      if (stored.length > 0) for (const outcome of await deps.intake('tencent', groupHistoryApi, query, stored.map((message) => groupCallbackBody(group, message)))) counts[outcome] += 1;
      await pace.rest();
    }
  } catch (error) {
    if (error instanceof TencentApiError && unfillableCodes.has(error.code)) return { state: 'unfillable', note: error.message, counts };
    throw error;
  }
  const missing = gap.untilSeq - fromSeq + 1 - counts.accepted - counts.duplicate - counts.invalid - counts.ignored - counts.placeholder;
  const unread = fromSeq - gap.fromSeq;
  const note = `${counts.accepted} fetched, ${counts.duplicate} already stored, ${counts.placeholder} deleted or expired${missing > 0 ? `, ${missing} not in the history (group tips or beyond retention)` : ''}${unread > 0 ? `, ${unread} older numbers not read (a gap is read at most ${maxGapNumbers} numbers back)` : ''}`;
  return { state: 'filled', note, counts };
}
