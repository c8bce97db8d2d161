import { z } from 'zod';
import { quarantineReasons, type QuarantineReason } from '../errors';

/**
 * Body parsing shared by every vendor: UTF-8 decoding, a bounded check of the JSON text's shape,
 * `JSON.parse`, and one way to say why a body failed its schema. A failure carries the quarantine
 * reason and a one-line detail; nothing here throws for bad content.
 */

export type JsonBody =
  | { readonly ok: true; readonly text: string; readonly json: unknown }
  | { readonly ok: false; readonly reason: QuarantineReason; readonly detail: string };

/** Longest piece of a vendor's or a library's message kept in a detail (quarantine rows and replies stay small). */
export const detailChars = 200;

/** Limits on the shape of a JSON text, checked before parsing so hostile shapes cost little. */
export interface JsonLimits {
  readonly depth: number;
  readonly containers: number;
  readonly separators: number;
}

/** Far above anything a vendor sends. */
export const jsonLimits: JsonLimits = { depth: 64, containers: 10_000, separators: 50_000 };

/**
 * A byte-order mark is kept (and then fails JSON.parse): `data` must be the bytes exactly as received,
 * and a CloudEvent embeds it as JSON.
 */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes and parses a body. With `limits`, the text's shape is measured first (`jsonShapeProblem`)
 * and a body beyond them is refused before any parsing. An empty body is `empty_body`.
 */
export function parseJsonBody(raw: Buffer, limits?: JsonLimits): JsonBody {
  if (raw.length === 0) return { ok: false, reason: 'empty_body', detail: quarantineReasons.empty_body };
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    return { ok: false, reason: 'invalid_encoding', detail: quarantineReasons.invalid_encoding };
  }
  const shape = limits === undefined ? undefined : jsonShapeProblem(text, limits);
  if (shape !== undefined) return { ok: false, reason: 'invalid_payload', detail: `body: ${shape}` };
  try {
    return { ok: true, text, json: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, reason: 'malformed_json', detail: `body is not valid JSON: ${cut((error as Error).message)}` };
  }
}

/**
 * Why a JSON text is too deep or too busy to parse, found by one linear scan without parsing (no
 * recursion, no allocation); undefined when it is within `limits`. Strings are skipped, so JSON text
 * held inside a string field is not counted here.
 */
export function jsonShapeProblem(text: string, limits: JsonLimits = jsonLimits): string | undefined {
  let depth = 0;
  let containers = 0;
  let separators = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limits.depth) return `JSON nests deeper than ${limits.depth} levels`;
      if (++containers > limits.containers) return `JSON holds more than ${limits.containers} objects and arrays`;
    } else if (c === 0x7d || c === 0x5d) depth--;
    else if ((c === 0x2c || c === 0x3a) && ++separators > limits.separators) return `JSON holds more than ${limits.separators} members and items`;
  }
  return undefined;
}

/** The first three issues as one line, e.g. `attach.url: expected string, received undefined (+2 more)`. */
export function describeIssues(error: z.ZodError): string {
  const lines = error.issues.slice(0, 3).map((issue) => cut(`${z.core.toDotPath(issue.path) || 'body'}: ${issue.message.replace(/^Invalid input: /, '')}`));
  const more = error.issues.length > 3 ? ` (+${error.issues.length - 3} more)` : '';
  return lines.join('; ') + more;
}

/** `text` cut to `detailChars`. */
export function cut(text: string): string {
  return text.slice(0, detailChars);
}
