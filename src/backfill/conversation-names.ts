import { seenConversations, type SeenPaging, type SeenReader } from './seen-pages';
import type { SeenConversation } from './window-filler';

/**
 * How an operator names a conversation: `user:<account>:<account>` (one-to-one; the accounts in any
 * order, neither containing ':'), `group:<id>` or `room:<id>`. A window restricted to named
 * conversations keeps the names in its `conversation` column as a JSON array.
 */
export function parseConversationName(name: string): Pick<SeenConversation, 'kind' | 'a' | 'b'> | undefined {
  const user = /^user:([^:]+):([^:]+)$/.exec(name);
  if (user) {
    const [a, b] = [user[1] as string, user[2] as string].sort();
    return { kind: 'user', a: a as string, b };
  }
  const other = /^(group|room):(.+)$/.exec(name);
  return other ? { kind: other[1] as 'group' | 'room', a: other[2] as string } : undefined;
}

/** The names kept in a window's `conversation` column, or undefined when the window reads every conversation seen. */
export function namedConversations(column: string | undefined): string[] | undefined {
  if (column === undefined) return undefined;
  try {
    const names: unknown = JSON.parse(column);
    return Array.isArray(names) ? names.filter((n): n is string => typeof n === 'string') : undefined;
  } catch {
    return undefined;
  }
}

type WindowScope = { vendor: string; app?: string | undefined; conversation?: string | undefined };

/** The named conversations of a window, in its app or else in every app of the vendor seen since `since` (an operator's short list). */
function named(window: WindowScope, names: readonly string[], seen: Pick<SeenReader, 'apps'>, since: number): SeenConversation[] {
  const targets = window.app !== undefined ? [window.app] : seen.apps(window.vendor, since);
  return targets.flatMap((app) => names.flatMap((name) => {
    const parsed = parseConversationName(name);
    return parsed ? [{ vendor: window.vendor, app, ...parsed, lastAt: since }] : [];
  }));
}

/**
 * The conversations a window reads, in pages: the named ones (one page), or else every conversation of
 * the vendor seen since `since` (in the window's app, when it names one), read from the spool page by page.
 */
export function windowConversations(window: WindowScope, seen: Pick<SeenReader, 'page' | 'apps'>, since: number, paging: SeenPaging = {}): AsyncIterable<readonly SeenConversation[]> | SeenConversation[][] {
  const names = namedConversations(window.conversation);
  if (names !== undefined) return [named(window, names, seen, since)];
  return seenConversations(seen, { vendor: window.vendor, since, app: window.app }, paging);
}

/** How many conversations `windowConversations` would hand out now (the dry run's count), without reading them. */
export function countWindowConversations(window: WindowScope, seen: Pick<SeenReader, 'count' | 'apps'>, since: number): number {
  const names = namedConversations(window.conversation);
  return names === undefined ? seen.count(window.vendor, since, window.app) : named(window, names, seen, since).length;
}
