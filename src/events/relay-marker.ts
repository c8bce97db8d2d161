import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { MessageElement, NeutralMessage } from './message';

/**
 * The relay marker: how the gateway recognises, when a target vendor calls back, a message it sent
 * itself, and how it tells that apart from a user who writes the same key into a message's extension
 * (which every client SDK lets them do).
 *
 * A relay sink puts `{ imgw_relay: { vendor, app, messageId, eventId, mac: [...] } }` into what it sends
 * (Easemob `ext`; Tencent `CloudCustomData`, NetEase `ext` as JSON text). `mac` holds one
 * HMAC-SHA256 (first 16 bytes, base64url) per recipient of the call, made with the first relay key over
 * the source event id and the copy as the target shows it to that recipient: who it is from, the
 * conversation it went to (a user, or a group or chat room: Easemob does not always tell those two
 * apart) and the content of its elements (`contentOf`). Only what the target echoes back in its own
 * callback is bound, so that callback verifies; a marker copied onto another text, another sender or
 * another conversation does not. `vendor`, `app` and `messageId` are for people tracing a message and
 * are not bound. An exact copy (same sender, same conversation, same content) still verifies: it hides
 * nothing the archive does not already hold.
 */
export const relayMarkerKey = 'imgw_relay';

/** A relayed message as the target shows it: what the MAC binds besides the source event id. */
export interface RelayCopy {
  readonly from: string;
  readonly to: { readonly kind: 'user' | 'group'; readonly id: string };
  readonly elements: readonly MessageElement[];
}

export type RelayVerdict = 'none' | 'ours' | 'forged';

/** Most recipients one call may mark (Easemob: 1 user as mapped, 3 groups, 10 chat rooms per call). */
export const maxMarkedRecipients = 32;
const maxEventIdLength = 512;
const macPattern = /^[A-Za-z0-9_-]{22}$/;

/** Keys imported once (a handful: RELAY_KEY holds at most 8), so each MAC skips the key setup. */
const imported = new Map<string, KeyObject>();
const keyObject = (key: string): KeyObject => {
  let object = imported.get(key);
  if (object === undefined) {
    if (imported.size >= 64) imported.clear();
    object = createSecretKey(Buffer.from(key, 'utf8'));
    imported.set(key, object);
  }
  return object;
};

/** The MAC of one recipient's copy, made with `key`. */
export function signRelayCopy(key: string, eventId: string, copy: RelayCopy): string {
  return createHmac('sha256', keyObject(key)).update(signedText(eventId, copy)).digest().subarray(0, 16).toString('base64url');
}

/** The marker value for `copies` (one per recipient of a call), signed with the first of `keys`. */
export function relayMarker(source: Pick<NeutralMessage, 'vendor' | 'appId' | 'messageId' | 'eventId'>, copies: readonly RelayCopy[], keys: readonly string[]): Record<string, unknown> {
  const key = keys[0];
  if (key === undefined) throw new Error('no relay key: a relay cannot mark what it sends');
  if (copies.length === 0 || copies.length > maxMarkedRecipients) throw new Error(`a relay marker covers 1 to ${maxMarkedRecipients} recipients`);
  return { vendor: source.vendor, app: source.appId, messageId: source.messageId, eventId: source.eventId, mac: copies.map((copy) => signRelayCopy(key, source.eventId, copy)) };
}

/**
 * Whether a marker value makes `copy` ours: its event id and one of its MACs verify under one of `keys`
 * (rotation). Anything else (`"x"`, `null`, `{}`, `0`, a wrong or foreign MAC, no key configured) is
 * `forged`. Constant-time compares; bounded work (at most `keys` × 32 MACs).
 */
export function verifyRelayMarker(value: unknown, copy: RelayCopy, keys: readonly string[]): 'ours' | 'forged' {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'forged';
  const { eventId, mac } = value as { eventId?: unknown; mac?: unknown };
  if (typeof eventId !== 'string' || eventId === '' || eventId.length > maxEventIdLength) return 'forged';
  if (!Array.isArray(mac) || mac.length === 0 || mac.length > maxMarkedRecipients) return 'forged';
  const given = mac.filter((item): item is string => typeof item === 'string' && macPattern.test(item)).map((item) => Buffer.from(item, 'base64url'));
  for (const key of keys) {
    const expected = Buffer.from(signRelayCopy(key, eventId, copy), 'base64url');
    if (given.some((candidate) => timingSafeEqual(candidate, expected))) return 'ours';
  }
  return 'forged';
}

/** The marker value in an extension (an object, or JSON text holding one), or `absent`. */
export function relayMarkerIn(ext: unknown): { readonly present: false } | { readonly present: true; readonly value: unknown } {
  let object = ext;
  if (typeof ext === 'string') {
    if (!ext.includes(relayMarkerKey) || !ext.trimStart().startsWith('{')) return { present: false };
    try {
      object = JSON.parse(ext);
    } catch {
      return { present: false };
    }
  }
  if (typeof object !== 'object' || object === null || Array.isArray(object) || !Object.hasOwn(object, relayMarkerKey)) return { present: false };
  return { present: true, value: (object as Record<string, unknown>)[relayMarkerKey] };
}

/** The copy a neutral message is: its sender, its conversation, its elements. */
export function copyOf(message: Pick<NeutralMessage, 'from' | 'to' | 'groupId' | 'conversation' | 'elements'>): RelayCopy {
  const to = message.conversation === 'one-to-one' ? { kind: 'user' as const, id: message.to ?? '' } : { kind: 'group' as const, id: message.groupId ?? '' };
  return { from: message.from, to, elements: message.elements };
}

/** `none` without a marker in `ext`; else whether the marker verifies for this message. */
export function relayVerdict(message: NeutralMessage, keys: readonly string[]): RelayVerdict {
  const marker = relayMarkerIn(message.ext);
  if (!marker.present) return 'none';
  return verifyRelayMarker(marker.value, copyOf(message), keys);
}

function signedText(eventId: string, copy: RelayCopy): string {
  return JSON.stringify(['imgw-relay/1', eventId, copy.from, copy.to.kind, copy.to.id, copy.elements.map(contentOf)]);
}

/**
 * What of an element is bound: what a recipient sees and every target echoes unchanged (the text, the
 * media URL, the place, the custom event and its fields), never sizes, thumbnails or secrets a target adds.
 */
export function contentOf(element: MessageElement): unknown[] {
  switch (element.kind) {
    case 'text':
      return ['text', element.text];
    case 'image':
      return ['image', element.images[0]?.url ?? ''];
    case 'audio':
    case 'video':
    case 'file':
      return [element.kind, element.url ?? ''];
    case 'location':
      return ['location', element.latitude, element.longitude, element.description ?? ''];
    case 'custom':
      return ['custom', element.event ?? '', customFields(element)];
    case 'face':
      return ['face', element.index ?? null, element.data ?? ''];
    case 'merged':
      return ['merged', element.title ?? '', element.summary ?? []];
    case 'unknown':
      return ['unknown', element.vendorType];
  }
}

/** A custom element's fields as sorted pairs (a JSON object in `data` counts as its fields), else its data text. */
function customFields(element: Extract<MessageElement, { kind: 'custom' }>): unknown {
  let fields: unknown = element.exts;
  if (fields === undefined && element.data !== undefined) {
    try {
      fields = JSON.parse(element.data);
    } catch {
      return element.data;
    }
  }
  if (fields === undefined) return [];
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) return element.data ?? '';
  return Object.entries(fields)
    .map(([name, value]) => [name, typeof value === 'string' ? value : JSON.stringify(value)])
    .sort(([a], [b]) => ((a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0));
}
