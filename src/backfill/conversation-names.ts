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

/**
 * The conversations a window reads: the named ones (in each of `apps`), or else every conversation of
 * the vendor seen since `since` (in the window's app, when it names one).
 */
export function windowConversations(window: { vendor: string; app?: string | undefined; conversation?: string | undefined }, seen: (vendor: string, since: number) => SeenConversation[], since: number, apps: readonly string[]): SeenConversation[] {
  const names = namedConversations(window.conversation);
  if (names === undefined) return seen(window.vendor, since).filter((c) => window.app === undefined || c.app === window.app);
  const targets = window.app !== undefined ? [window.app] : apps;
  return targets.flatMap((app) => names.flatMap((name) => {
    const parsed = parseConversationName(name);
    return parsed ? [{ vendor: window.vendor, app, ...parsed, lastAt: since }] : [];
  }));
}
