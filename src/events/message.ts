import { z } from 'zod';
import type { Event } from './event';

/**
 * The vendor-neutral view of one IM message (DESIGN.md decision 12). Every vendor maps its message
 * events to this shape; relay sinks re-send it on another platform, so it holds everything needed to
 * do that. `docs/message.schema.json` is generated from this schema (a test keeps them in step).
 */

const vendorType = z.string().describe("The vendor's own element type, e.g. TIMTextElem or PICTURE");

const imageVariant = z.strictObject({
  url: z.string(),
  width: z.number().optional(),
  height: z.number().optional(),
  size: z.number().optional().describe('Bytes'),
  role: z.enum(['original', 'large', 'thumbnail']).optional(),
});

export const messageElementSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('text'), vendorType, text: z.string() }),
  z.strictObject({
    kind: z.literal('image'),
    vendorType,
    images: z.array(imageVariant).describe('Every size the vendor offers; the largest first'),
    format: z.string().optional(),
    name: z.string().optional(),
    md5: z.string().optional(),
  }),
  z.strictObject({
    kind: z.literal('audio'),
    vendorType,
    url: z.string().optional(),
    durationSeconds: z.number().optional(),
    size: z.number().optional(),
    format: z.string().optional(),
  }),
  z.strictObject({
    kind: z.literal('video'),
    vendorType,
    url: z.string().optional(),
    durationSeconds: z.number().optional(),
    size: z.number().optional(),
    format: z.string().optional(),
    width: z.number().optional(),
    height: z.number().optional(),
    thumbnailUrl: z.string().optional(),
  }),
  z.strictObject({
    kind: z.literal('file'),
    vendorType,
    url: z.string().optional(),
    name: z.string().optional(),
    size: z.number().optional(),
    md5: z.string().optional(),
  }),
  z.strictObject({
    kind: z.literal('location'),
    vendorType,
    latitude: z.number(),
    longitude: z.number(),
    description: z.string().optional(),
  }),
  z.strictObject({
    kind: z.literal('custom'),
    vendorType,
    data: z.string().optional().describe('The application payload, as sent (usually a JSON string)'),
    description: z.string().optional(),
    extension: z.string().optional(),
    event: z.string().optional().describe('A custom event name where the vendor has one'),
    exts: z.record(z.string(), z.string()).optional().describe('A flat string map where the vendor has one'),
  }),
  z.strictObject({
    kind: z.literal('face'),
    vendorType,
    index: z.number().optional(),
    data: z.string().optional(),
  }),
  z.strictObject({
    kind: z.literal('merged'),
    vendorType,
    title: z.string().optional(),
    summary: z.array(z.string()).optional().describe('The preview lines the vendor shows'),
    messageCount: z.number().optional(),
  }),
  z.strictObject({
    kind: z.literal('unknown'),
    vendorType,
    content: z.unknown().optional().describe('The element as the vendor sent it'),
  }),
]);

export type MessageElement = z.output<typeof messageElementSchema>;
export type ElementKind = MessageElement['kind'];
export const elementKinds: readonly ElementKind[] = ['text', 'image', 'audio', 'video', 'file', 'location', 'custom', 'face', 'merged', 'unknown'];

export const neutralMessageSchema = z
  .strictObject({
    version: z.literal(1),
    vendor: z.string().describe('tencent | netease | easemob'),
    appId: z.string().describe("The vendor's app (Tencent SdkAppid, NetEase AppKey, Easemob org#app)"),
    eventId: z.string().describe('The CloudEvent id of the event this message came in'),
    messageId: z.string().describe("The vendor's id of the message (Tencent MsgKey or GroupId+MsgSeq, NetEase msgidServer, Easemob msg_id)"),
    clientMessageId: z.string().optional(),
    conversation: z.enum(['one-to-one', 'group', 'chatroom']),
    from: z.string(),
    to: z.string().optional().describe('The recipient of a one-to-one message'),
    groupId: z.string().optional().describe('The group or chat room of a group or chat-room message'),
    sentAt: z.string().describe('RFC 3339, when the vendor says the message was sent'),
    sendFailed: z.boolean().optional().describe('The vendor reports that the message did not reach its recipient'),
    elements: z.array(messageElementSchema),
    ext: z.string().optional().describe("The message's extension or cloud custom data, as sent"),
    relayedBy: z.string().optional().describe('No longer set (relayed messages are recognised by the signed marker in ext); kept so messages stored by earlier versions still read'),
  })
  .describe('One IM message in a vendor-neutral form');

export type NeutralMessage = z.output<typeof neutralMessageSchema>;

/** The `dataschema` of a CloudEvent whose data is a neutral message. */
export const messageDataSchema = 'urn:imgw:message:v1';

/**
 * The event a `payload: message` sink receives: the same id, source and type, with the neutral
 * message as `data`. Undefined for events that carry no message.
 */
export function asMessageEvent(event: Event): Event | undefined {
  if (event.message === undefined) return undefined;
  const attributes = { ...event.attributes, dataschema: messageDataSchema };
  return event.replayed ? { attributes, data: event.message, message: event.message, replayed: true } : { attributes, data: event.message, message: event.message };
}
