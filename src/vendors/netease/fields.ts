import { z } from 'zod';
import { jsonShapeProblem } from '../body';

/**
 * Field types shared by the NetEase schemas. NetEase documents every scalar as a string but some
 * payloads carry numbers (protocols/netease.md §4, §5.2), so scalars accept both; ids stay strings.
 */

/** A readable message for a union that failed, instead of zod's bare `Invalid input`. */
const expected = (what: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? `missing (expected ${what})` : `expected ${what}`),
});

/** Any JSON scalar. */
export const scalar = z.union([z.string(), z.number(), z.boolean()], expected('a string, number or boolean'));

/** An account id (accid). */
export const account = z.string().min(1).max(256);

/**
 * A server or client id: a string, or a number that JSON.parse kept exactly. 18-digit server ids exceed
 * Number.MAX_SAFE_INTEGER, so a larger number has already lost digits and is refused (quarantined raw).
 */
export const id = z.union(
  [
    z.string().min(1).max(128),
    z.number().refine((n) => Number.isSafeInteger(n) && n >= 0, 'ids beyond 2^53 must arrive as strings (the number has lost digits)'),
  ],
  expected('an id as a string or a whole number'),
);

/** A millisecond timestamp as a string of digits or a number. */
export const millis = z.union(
  [z.string().regex(/^\d{1,15}$/, 'expected a timestamp in milliseconds'), z.number().int().min(0).max(1e15)],
  expected('a timestamp in milliseconds'),
);

/** A number that may arrive as a decimal string ("720"). */
export const numeric = z.union(
  [
    z.number(),
    z
      .string()
      .regex(/^-?\d{1,15}(\.\d{1,15})?$/, 'expected a number')
      .transform(Number),
  ],
  expected('a number'),
);

/** A field that holds JSON text (`attach`, `ext`, `yidunRes`); some doc samples print it as an object. */
export const jsonHolder = z.union([z.string(), z.looseObject({}), z.array(z.unknown())], expected('JSON text (a string) or an object'));

/** The value as a string: ids and timestamps are kept as sent. */
export function asText(value: string | number | boolean | undefined): string | undefined {
  return value === undefined ? undefined : String(value);
}

/**
 * The parsed view of a field that holds JSON: an object or array as sent, or the result of parsing a
 * string that holds an object or array. Undefined for plain text, invalid JSON or excessive nesting.
 */
export function jsonView(value: unknown): unknown {
  if (typeof value === 'object' && value !== null) return value;
  if (typeof value !== 'string') return undefined;
  if (!/^\s*[[{]/.test(value)) return undefined;
  if (jsonShapeProblem(value) !== undefined) return undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return undefined;
  }
}

/** Own property of a parsed JSON object, or undefined. */
export function member(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.hasOwn(value, key)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}
