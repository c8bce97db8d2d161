/**
 * Bounds on what a callback body may hold, checked before the body schema runs, so the work spent on
 * one body is about that of reading it however it is built. Without them a 1 MiB body of tiny invalid
 * array entries (`"ImageInfoArray":[0,0,…]`) costs seconds of CPU and hundreds of MiB in validation
 * issues, and a deeply nested `TIMRelayElem` overflows the stack.
 *
 * The limits come from the protocol: one message holds at most 12 KB of content
 * (https://cloud.tencent.com/document/product/269/2720, and a merged message switches from an inline
 * `MsgList` to a `JsonMsgKey` above 12 KB), so it cannot hold more than about 6,000 array entries of
 * even one character each, and its merged-message nesting is shallow. The limits leave a wide margin.
 */
export const bodyLimits = {
  /** Nesting of objects and arrays anywhere in the body (a merged message costs 6 levels per level). */
  maxJsonDepth: 256,
  /** `TIMRelayElem` inside `TIMRelayElem` (merged messages forwarded inside merged messages). */
  maxRelayDepth: 32,
  /** Entries of `MsgBody`, `MsgList`, `AbstractList` and `ImageInfoArray` in the whole message, nested ones included. */
  maxMessageEntries: 8_192,
  /** Elements of one `MsgBody`. */
  maxElements: 1_000,
  /** Messages of one merged message's `MsgList`. */
  maxRelayedMessages: 1_000,
  /** Summary lines of one merged message. */
  maxAbstractLines: 1_000,
  /** Sizes of one image: the protocol has three (original, large, thumbnail). */
  maxImageInfos: 16,
} as const;

/**
 * Whether the JSON text nests objects and arrays deeper than `limit`. Run on text that `JSON.parse`
 * accepted; brackets inside strings do not count. Strings are skipped with a native search for their
 * closing quote, so a long text value costs next to nothing.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      do {
        i = text.indexOf('"', i + 1);
        if (i < 0) return false;
      } while (isEscaped(text, i));
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** Whether the quote at `index` is escaped: preceded by an odd number of backslashes. */
function isEscaped(text: string, index: number): boolean {
  let backslashes = 0;
  for (let i = index - 1; i >= 0 && text.charCodeAt(i) === 0x5c; i--) backslashes++;
  return backslashes % 2 === 1;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The first bound the parsed body breaks, in words for the quarantine, or undefined. Walks only the
 * message structure (`MsgBody`, merged messages), iteratively, and stops at the first excess, so its
 * own work is bounded by `maxMessageEntries`. Per-array limits are also enforced by the schemas.
 */
export function boundsProblem(text: string, body: unknown): string | undefined {
  if (nestsDeeperThan(text, bodyLimits.maxJsonDepth)) return `body nests objects and arrays deeper than ${bodyLimits.maxJsonDepth} levels`;
  if (!isRecord(body)) return undefined;
  let entries = 0;
  const count = (list: unknown): string | undefined => {
    if (!Array.isArray(list)) return undefined;
    entries += list.length;
    return entries > bodyLimits.maxMessageEntries ? `message holds more than ${bodyLimits.maxMessageEntries} entries in MsgBody, MsgList, AbstractList and ImageInfoArray` : undefined;
  };
  const pending: { readonly msgBody: unknown; readonly depth: number }[] = [{ msgBody: body.MsgBody, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const problem = count(next.msgBody);
    if (problem) return problem;
    if (!Array.isArray(next.msgBody)) continue;
    for (const element of next.msgBody as unknown[]) {
      if (!isRecord(element) || !isRecord(element.MsgContent)) continue;
      const content = element.MsgContent;
      const found = count(content.ImageInfoArray) ?? count(content.AbstractList) ?? count(content.MsgList);
      if (found) return found;
      if (element.MsgType !== 'TIMRelayElem' || !Array.isArray(content.MsgList)) continue;
      if (next.depth + 1 > bodyLimits.maxRelayDepth) return `TIMRelayElem is nested deeper than ${bodyLimits.maxRelayDepth} levels`;
      for (const relayed of content.MsgList as unknown[]) {
        if (isRecord(relayed)) pending.push({ msgBody: relayed.MsgBody, depth: next.depth + 1 });
      }
    }
  }
  return undefined;
}
