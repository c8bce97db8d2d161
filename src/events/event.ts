import { hash } from 'node:crypto';
import type { AttributeValue, CommonAttributes } from './attributes';

export type { AttributeValue } from './attributes';

/**
 * The context attributes of one event: the CloudEvents 1.0 required and optional attributes plus
 * our extension attributes (lower-case names, per the spec's naming rules): the common ones every
 * vendor fills where it has the fact (typed here), and a vendor's own. Built by `eventAttributes`
 * (`events/envelope.ts`). https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md
 */
export interface EventAttributes extends Partial<CommonAttributes> {
  readonly specversion: '1.0';
  /** The dedupe id: stable for the vendor's natural key of the occurrence. */
  readonly id: string;
  /** e.g. `tencent-im/1400000001` */
  readonly source: string;
  /** e.g. `com.tencent.im.C2C.CallbackAfterSendMsg` */
  readonly type: string;
  /** RFC 3339; when the vendor says the occurrence happened, else when we received it. */
  readonly time: string;
  readonly datacontenttype: 'application/json';
  readonly [extension: string]: AttributeValue | undefined;
}

/**
 * What the pipeline and the sinks see. `data` is the vendor's body exactly as received (JSON text),
 * so nothing is lost to re-serialisation (large integers, key order, unknown fields).
 */
export interface Event {
  readonly attributes: EventAttributes;
  readonly data: string;
  /** For message events: the vendor-neutral message (`events/message.ts`) as JSON text. */
  readonly message?: string;
  /**
   * Set on a copy an operator asked for again (`imgw replay`) when the spool hands it to
   * a sink; never stored. A sink that skips ids it may already hold (the file sink after a crash)
   * writes such a copy anyway: a deliberate replay always writes.
   */
  readonly replayed?: true;
}

/**
 * The attributes' JSON text of an event, kept with the event object once made: read back from storage
 * (`storedEvent`), or made when a lane measured its batch (`eventJsonBytes`), so that the sinks'
 * `eventToJson` and every other lane's measure reuse it instead of serialising the attributes again.
 * Held only as long as the event object is (at most the spool's recent events and the batches in flight).
 */
const attributesJson = new WeakMap<Event, string>();

function attributesJsonOf(event: Event): string {
  let json = attributesJson.get(event);
  if (json === undefined) {
    json = JSON.stringify(event.attributes);
    attributesJson.set(event, json);
  }
  return json;
}

/** The event as a CloudEvents structured-mode JSON document (`application/cloudevents+json`). */
export function eventToJson(event: Event): string {
  const head = attributesJson.get(event) ?? JSON.stringify(event.attributes);
  return `${head.slice(0, -1)},"data":${event.data}}`;
}

/**
 * The UTF-8 length of `eventToJson(event)` without making that text: the attributes' JSON, `,"data":`
 * in place of its closing brace, the body and a closing brace. For a lane that measures its batches
 * before a sink writes them: the attributes' JSON is kept for that sink's `eventToJson`.
 */
export function eventJsonBytes(event: Event): number {
  return Buffer.byteLength(attributesJsonOf(event)) + ',"data":'.length + Buffer.byteLength(event.data);
}

/**
 * `event`, read back from storage where its attributes were kept as `json` (their
 * `JSON.stringify`): `eventToJson` reuses that text instead of serialising the attributes again.
 * Copies of the object (a replay's, a message payload's) are serialised as usual.
 */
export function storedEvent(event: Event, json: string): Event {
  attributesJson.set(event, json);
  return event;
}

/**
 * What a vendor's mapping made an event from, enough to make it again: the vendor, the request head
 * as the quarantine keeps it (secrets redacted), and the attributes the gateway added on top of the
 * mapping (a backfill's `backfill=<api>`). With the body and the receive time the spool keeps, the
 * vendor's `toEvent` makes the same attributes and neutral message again, so the spool stores these
 * instead of them (`pipeline/spool/log-row.ts`).
 */
export interface EventOrigin {
  readonly vendor: string;
  readonly head: { readonly query?: string; readonly headers?: Readonly<Record<string, string>> };
  readonly added?: Readonly<Record<string, string>>;
}

/** A stable, opaque id from the parts of a natural key (128 bits of SHA-256, hex). */
export function dedupeId(parts: readonly (string | number)[]): string {
  return hash('sha256', JSON.stringify(parts)).slice(0, 32);
}

/** How long a resend of an event without a natural key counts as a duplicate (see `bodyHashKey`). */
export const bodyHashWindowMs = 10 * 60_000;

/**
 * Natural-key parts for an event that has no natural key: the body's SHA-256 within a time bucket of
 * `windowMs`, so a resend arriving soon after is a duplicate while a truly repeated event later on is
 * not dropped. A resend that straddles a bucket boundary is delivered again (at-least-once holds).
 */
export function bodyHashKey(data: string, receivedAt: number, windowMs: number = bodyHashWindowMs): string[] {
  return [...bodyKey(data), String(Math.floor(receivedAt / windowMs))];
}

/**
 * Natural-key parts for an event whose body names its own moment (a timestamp in milliseconds): the
 * body's SHA-256, with no time window. Two events that differ in any field get two ids; a resend of the
 * same bytes is a duplicate however late it comes.
 */
export function bodyKey(data: string): string[] {
  return ['body-sha256', hash('sha256', data)];
}
