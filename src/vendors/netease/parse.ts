import { z } from 'zod';
import { quarantineReasons, type QuarantineReason } from '../../errors';
import { jsonShapeProblem } from './fields';
import { cappedArrays, eventSchemas, isTypedEventType, maxBatchItems, otherEventSchema, type TypedEventType } from './schemas';

export type ParsedEvent =
  | { readonly [T in TypedEventType]: { readonly eventType: T; readonly value: z.output<(typeof eventSchemas)[T]> } }[TypedEventType]
  | { readonly eventType: string; readonly value: z.output<typeof otherEventSchema> };

export type ParsedBody =
  | { readonly kind: 'event'; readonly text: string; readonly event: ParsedEvent }
  | { readonly kind: 'probe' }
  | { readonly kind: 'invalid'; readonly eventType: string | undefined; readonly reason: QuarantineReason; readonly detail: string };

/** A byte-order mark is kept (and then fails JSON.parse): `data` must be the bytes exactly as received. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes, parses and validates an authenticated body. Work is linear in the body size: its shape is
 * measured before JSON.parse, large arrays are refused before validation, and at most three issues are
 * reported. An empty body or `{}` is the console probe.
 */
export function parseNeteaseBody(raw: Buffer): ParsedBody {
  const failed = (reason: QuarantineReason, detail: string = quarantineReasons[reason], eventType?: string): ParsedBody => ({ kind: 'invalid', eventType, reason, detail });
  if (raw.length === 0) return { kind: 'probe' };
  let text: string;
  let json: unknown;
  try {
    text = utf8.decode(raw);
  } catch {
    return failed('invalid_encoding');
  }
  const shape = jsonShapeProblem(text);
  if (shape !== undefined) return failed('invalid_payload', `body: ${shape}`);
  try {
    json = JSON.parse(text);
  } catch (error) {
    return failed('malformed_json', `body is not valid JSON: ${(error as Error).message.slice(0, 200)}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return failed('invalid_payload', 'body must be a JSON object');
  const body = json as Record<string, unknown>;
  if (!hasAnyKey(body)) return { kind: 'probe' };
  const eventType = normalisedEventType(body.eventType);
  if (eventType === undefined) {
    return failed('invalid_payload', body.eventType === undefined ? 'eventType is missing' : 'eventType must be a whole number (as a string or a number)');
  }
  const tooLarge = isTypedEventType(eventType) ? cappedArrays[eventType]?.find((key) => Array.isArray(body[key]) && (body[key] as unknown[]).length > maxBatchItems) : undefined;
  if (tooLarge !== undefined) return failed('invalid_payload', `${tooLarge}: more than ${maxBatchItems} items`, eventType);
  const schema: z.ZodType = isTypedEventType(eventType) ? eventSchemas[eventType] : otherEventSchema;
  const result = schema.safeParse(body);
  if (!result.success) return failed('invalid_payload', describeIssues(result.error), eventType);
  return { kind: 'event', text, event: { eventType, value: result.data } as ParsedEvent };
}

/** `eventType` arrives as `"1"` or `1`; both become `"1"`. */
function normalisedEventType(value: unknown): string | undefined {
  if (typeof value === 'string' && /^\d{1,9}$/.test(value)) return String(Number(value));
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 1e9) return String(value);
  return undefined;
}

function hasAnyKey(record: Record<string, unknown>): boolean {
  for (const key in record) if (Object.hasOwn(record, key)) return true;
  return false;
}

/** The first three issues as one line, e.g. `attach.url: expected string, received undefined`. */
function describeIssues(error: z.ZodError): string {
  const lines = error.issues.slice(0, 3).map((issue) => {
    const path = z.core.toDotPath(issue.path);
    return `${path || 'body'}: ${issue.message.replace(/^Invalid input: /, '')}`.slice(0, 300);
  });
  const more = error.issues.length > 3 ? ` (+${error.issues.length - 3} more)` : '';
  return lines.join('; ') + more;
}
