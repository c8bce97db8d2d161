import { keyOf, type ConversationKey } from '../pipeline/spool/conversations';
import type { SeenConversation } from './window-filler';

/** Conversations read from the spool at a time: what a window holds in memory, however many were seen. */
export const seenPageSize = 1000;

/** The spool's reader of seen conversations (`GapStore['seen']`). */
export interface SeenReader {
  page(vendor: string, since: number, after: ConversationKey | undefined, limit: number): SeenConversation[];
  count(vendor: string, since: number, app?: string): number;
  apps(vendor: string, since: number): string[];
}

export interface SeenPaging {
  /** Start after this key (a window resumed where it stopped). */
  readonly after?: ConversationKey | undefined;
  readonly pageSize?: number;
  /**
   * Awaited with the last key of a page before the next page is read: the consumer asked for the next
   * page, so it has read every conversation of that one (`readConversations`).
   */
  readonly pageDone?: (last: ConversationKey) => Promise<void>;
}

/**
 * Every conversation of `vendor` seen at or after `since` (only `app`'s, when given), in pages read in
 * primary-key order, each page starting after the previous page's last key (keyset paging). Memory
 * holds one page. Each conversation comes once, also while new ones are noted during the read: a new
 * one whose key sorts after the page being read comes in this read, one before it does not (the
 * gateway is running, so its callbacks bring it).
 */
export async function* seenConversations(seen: Pick<SeenReader, 'page'>, query: { vendor: string; since: number; app?: string | undefined }, paging: SeenPaging = {}): AsyncGenerator<readonly SeenConversation[]> {
  const limit = paging.pageSize ?? seenPageSize;
  let after = paging.after;
  for (;;) {
    const page = seen.page(query.vendor, query.since, after, limit);
    const wanted = query.app === undefined ? page : page.filter((conversation) => conversation.app === query.app);
    if (wanted.length > 0) yield wanted;
    const last = page.at(-1);
    if (last === undefined) return;
    after = keyOf(last);
    await paging.pageDone?.(after);
    if (page.length < limit) return;
  }
}
