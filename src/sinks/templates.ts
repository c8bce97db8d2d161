import { createHash } from 'node:crypto';
import type { EventAttributes } from '../events/event';

/** Longest encoded value of one placeholder; a longer one keeps a prefix and a hash of the whole value. */
export const maxPlaceholderLength = 64;
/** Attributes whose dots separate tokens (NATS subject levels) and are kept. */
const dotted = new Set(['command', 'type']);

/**
 * Fills `{attribute}` placeholders from event attributes, e.g. `im.{vendor}.{command}` →
 * `im.tencent.C2C.CallbackAfterSendMsg`, for NATS subjects and Redis keys.
 *
 * Each value is encoded so that it can never add a subject token or wildcard, and so that **two
 * different values never render the same**:
 * - `A-Z a-z 0-9 _ -` stay as they are; every other character becomes `%XX` per UTF-8 byte
 *   (percent-encoding, `%` itself included), so `a.b` → `a%2Eb`, `a b` → `a%20b`, `*` → `%2A`; a lone
 *   surrogate becomes `%uD800`; the value `_` alone becomes `%5F`.
 * - In `command` and `type` the dots stay (they are dotted names), and an empty token becomes `%`
 *   followed by nothing else in that token: `Foo.` → `Foo.%`, `a..b` → `a.%.b`.
 * - A value whose encoding is longer than 64 characters becomes its first characters, `~` and 32 hex
 *   digits of the SHA-256 of the whole value (64 characters in all): `~` never appears otherwise.
 * - A missing or empty attribute becomes `_`, which no present value renders as.
 *
 * Every `%` starts `%XX`, `%uXXXX` or (dotted attributes only) an empty token, so the encoding can be
 * read back unambiguously: it is injective (up to the 128-bit hash of over-long values).
 */
export function renderTemplate(template: string, attributes: EventAttributes): string {
  return template.replace(/\{([a-z0-9]+)\}/g, (_match, name: string) => {
    const value = attributes[name];
    if (value === undefined || value === '') return '_';
    return encodeValue(String(value), dotted.has(name));
  });
}

/** The injective, bounded encoding of one placeholder value (see `renderTemplate`). */
export function encodeValue(value: string, keepDots = false): string {
  const tokens = keepDots ? value.split('.') : [value];
  const encoded = tokens.map((token) => (token === '' && keepDots ? '%' : encodeToken(token))).join('.');
  if (encoded.length <= maxPlaceholderLength) return encoded;
  const hash = createHash('sha256').update(value).digest('hex').slice(0, 32);
  let prefix = encoded.slice(0, maxPlaceholderLength - hash.length - 1);
  // Never cut an escape in two (a dangling `%` or `%X`), nor leave an empty last token.
  prefix = prefix.replace(/%(u[0-9A-F]{0,3}|[0-9A-F]?)$/, '').replace(/\.$/, '');
  return `${prefix}~${hash}`;
}

function encodeToken(token: string): string {
  // `_` alone is how a missing value renders; the value "_" itself gets its escape instead.
  if (token === '_') return '%5F';
  let out = '';
  for (const char of token) {
    if (/^[A-Za-z0-9_-]$/.test(char)) out += char;
    else if (char.length === 1 && isSurrogate(char.charCodeAt(0))) out += `%u${char.charCodeAt(0).toString(16).toUpperCase()}`;
    else for (const byte of Buffer.from(char, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A lone surrogate (invalid UTF-16 that JSON can still carry as `\ud800`) has no UTF-8 bytes of its own. */
function isSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdfff;
}
