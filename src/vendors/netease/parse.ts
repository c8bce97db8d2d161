import type { z } from 'zod';
import { quarantineReasons, type QuarantineReason } from '../../errors';
import { describeIssues, jsonLimits, parseJsonBody } from '../body';
import { cappedArrays, eventSchemas, isTypedEventType, maxBatchItems, otherEventSchema, type TypedEventType } from './schemas';

export type ParsedEvent =
  | { readonly [T in TypedEventType]: { readonly eventType: T; readonly value: z.output<(typeof eventSchemas)[T]> } }[TypedEventType]
  | { readonly eventType: string; readonly value: z.output<typeof otherEventSchema> };

export type ParsedBody =
  | { readonly kind: 'event'; readonly text: string; readonly event: ParsedEvent }
  | { readonly kind: 'probe' }
  | { readonly kind: 'invalid'; readonly eventType: string | undefined; readonly reason: QuarantineReason; readonly detail: string };

/**
 * Decodes, parses and validates an authenticated body. Work is linear in the body size: its shape is
 * measured before JSON.parse, large arrays are refused before validation, and at most three issues are
 * reported. An empty body or `{}` is the console probe.
 */
export function parseNeteaseBody(raw: Buffer): ParsedBody {
  const failed = (reason: QuarantineReason, detail: string = quarantineReasons[reason], eventType?: string): ParsedBody => ({ kind: 'invalid', eventType, reason, detail });
  if (raw.length === 0) return { kind: 'probe' };
  const parsed = parseJsonBody(raw, jsonLimits);
  if (!parsed.ok) return failed(parsed.reason, parsed.detail);
  const { text, json } = parsed;
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
