import { CallbackError } from '../../errors';
import { cut, describeIssues, jsonLimits, parseJsonBody, type JsonBody } from '../body';
import type { Intake } from '../vendor';
import { easemobCallbackSchemas, isTypedChatType, otherCallback, type EasemobCallback } from './callbacks';
import { verifyEasemobSecurity } from './security';
import type { EasemobCallbackSettings } from './settings';
import { easemobEvent } from './to-event';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The body is parsed once per request: authentication reads the signed fields, mapping the rest. */
const decodedBodies = new WeakMap<Buffer, JsonBody>();

function decode(raw: Buffer): JsonBody {
  const cached = decodedBodies.get(raw);
  if (cached) return cached;
  // The shape is measured before parsing: the signature is inside the body, so an unsigned body is parsed to be refused.
  const decoded = parseJsonBody(raw, jsonLimits);
  decodedBodies.set(raw, decoded);
  return decoded;
}

/** Deepest nesting mapped; Easemob bodies are a few levels deep, so more is hostile (and would overflow JSON.stringify). */
export const maxDepth = 32;

/** Iterative, so a hostile body cannot overflow the stack here either. */
function withinDepth(root: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= limit) return false;
    for (const child of Object.values(value)) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return true;
}

/** Easemob signs inside the JSON body: it must be an object before anything can be trusted. */
export function authenticateEasemob(raw: Buffer | undefined, settings: EasemobCallbackSettings, nowMs: number): void {
  if (raw === undefined || raw.length === 0) throw new CallbackError('auth_failed', 'body is empty; Easemob signs callbacks inside the JSON body');
  const decoded = decode(raw);
  if (!decoded.ok) throw new CallbackError('auth_failed', `the security field cannot be checked: ${decoded.detail}`);
  if (!isRecord(decoded.json)) throw new CallbackError('auth_failed', 'body is not a JSON object, so its security field cannot be checked');
  const { callId, timestamp, security, appkey } = decoded.json;
  verifyEasemobSecurity({ callId, timestamp, security, appkey }, settings, nowMs);
}

/** The bounded label of a body: its `chat_type` when typed, else `other`. */
export function labelOf(json: unknown): string {
  const chatType = isRecord(json) ? json.chat_type : undefined;
  return isTypedChatType(chatType) ? chatType : 'other';
}

/** Parses, validates and maps an authenticated body; never throws for bad content. */
export function easemobIntake(raw: Buffer, receivedAt: number): Intake {
  const decoded = decode(raw);
  if (!decoded.ok) return { kind: 'invalid', label: 'other', reason: decoded.reason, detail: decoded.detail };
  const label = labelOf(decoded.json);
  if (!withinDepth(decoded.json, maxDepth)) return { kind: 'invalid', label, reason: 'invalid_payload', detail: `body is nested deeper than ${maxDepth} levels` };
  const chatType = isRecord(decoded.json) ? decoded.json.chat_type : undefined;
  const schema = isTypedChatType(chatType) ? easemobCallbackSchemas[chatType] : otherCallback;
  const result = schema.safeParse(decoded.json);
  if (!result.success) return { kind: 'invalid', label, reason: 'invalid_payload', detail: describeIssues(result.error) };
  const body = result.data as EasemobCallback;
  try {
    const { event, facts } = easemobEvent(body, decoded.text, receivedAt);
    return { kind: 'event', label, event, facts };
  } catch (error) {
    // Not expected after the checks above; an authenticated body is kept raw rather than lost.
    return { kind: 'invalid', label, reason: 'invalid_payload', detail: `message could not be mapped: ${cut((error as Error).message)}` };
  }
}
