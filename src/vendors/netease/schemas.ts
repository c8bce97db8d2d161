import { z } from 'zod';
import { chatroomMessageSchema, conversationSchema } from './conversation';
import { account, id, jsonHolder, jsonView, millis, scalar } from './fields';

/**
 * One schema per documented eventType (protocols/netease.md §4-5; [ZH-OTHER] https://doc.yunxin.163.com/messaging/guide/TcxNzU4NzU?platform=server).
 * Every branch is a loose object: fields NetEase adds later are kept. Fields the protocol notes name are
 * required where the event is meaningless without them; the rest are typed when present.
 */

/** Receipts batch several items; the protocol gives no maximum, so this generous cap bounds the work. */
export const maxBatchItems = 1000;

const text = z.string().optional();
const event = <S extends z.core.$ZodLooseShape>(shape: S) => z.looseObject({ eventType: scalar, ...shape });

/** 2 login and 3 logout. The logout sample has `code` and `timestamp` as numbers, the login sample strings. */
const loginShape = {
  accid: account,
  clientIp: text,
  clientType: z.string().max(32).optional(),
  code: scalar.optional(),
  sdkVersion: scalar.optional(),
  sdkHumanVersion: scalar.optional(),
  timestamp: millis.optional(),
  deviceId: text,
  customTag: text,
};

/** 7 P2P, 8 team and 25 super-team recalls: `msgId` is the server id of the recalled message. */
const recallSchema = event({
  msgId: id,
  clientId: id.optional(),
  from: account,
  to: account,
  fromClientType: z.string().max(32).optional(),
  deleteTime: millis.optional(),
  sendTime: millis.optional(),
  selfMsg: text,
  attach: jsonHolder.optional(),
});

/**
 * 11 SMS receipts and 30 P2P read receipts carry `objects`: an array (11) or a JSON string holding one
 * (30); both forms are accepted for both and checked after parsing.
 */
const batchSchema = event({ objects: z.union([z.string(), z.array(z.unknown())]) }).superRefine((fields, ctx) => {
  const items = jsonView(fields.objects);
  if (!Array.isArray(items)) ctx.addIssue({ code: 'custom', path: ['objects'], message: 'expected a JSON array (or a string holding one)' });
  else if (items.length > maxBatchItems) ctx.addIssue({ code: 'custom', path: ['objects'], message: `more than ${maxBatchItems} items` });
  else if (!items.every((item) => typeof item === 'object' && item !== null && !Array.isArray(item))) {
    ctx.addIssue({ code: 'custom', path: ['objects'], message: 'every item must be a JSON object' });
  }
});

/**
 * 14 chat-room queue operations (`qEvent` 1-9). The document's samples spell the room id `roomid`, the
 * field list `roomId`: either is accepted, one is required.
 */
const queueSchema = event({
  roomid: id.optional(),
  roomId: id.optional(),
  qEvent: z.union([z.int().min(0), z.string().regex(/^\d{1,3}$/, 'expected the queue operation number')]),
  accid: account.optional(),
}).refine((fields) => fields.roomid !== undefined || fields.roomId !== undefined, { path: ['roomid'], message: 'missing (expected the room id, as roomid or roomId)' });

export const eventSchemas = {
  '1': conversationSchema,
  '2': event(loginShape),
  '3': event({ ...loginShape, logOutReason: scalar.optional() }),
  '4': chatroomMessageSchema,
  '7': recallSchema,
  '8': recallSchema,
  '9': event({ roomId: id, accid: account.optional(), event: z.string().max(32).optional(), clientType: z.string().max(32).optional(), timestamp: millis.optional() }),
  '10': event({ caller: scalar.optional(), callee: scalar.optional(), duration: scalar.optional(), status: scalar.optional() }),
  '11': batchSchema,
  '12': event({ mobile: scalar.optional(), content: text, timestamp: millis.optional() }),
  '14': queueSchema,
  '20': event({ serverMsgId: id.optional(), msgidServer: id.optional(), yidunBusType: scalar.optional() }),
  '25': recallSchema,
  '30': batchSchema,
  '31': event({ event: z.string().max(64).optional(), channelId: id.optional(), channelName: text, fromAccount: account.optional(), toAccount: account.optional(), attach: jsonHolder.optional(), ext: jsonHolder.optional() }),
  '36': event({ type: scalar.optional(), accid: account.optional(), url: text }),
  '42': event({ accid: account.optional(), clientType: z.string().max(32).optional(), deviceId: text, timestamp: millis.optional() }),
} as const;

/** Any other eventType: kept whole as an event. */
export const otherEventSchema = event({});

export type TypedEventType = keyof typeof eventSchemas;

export function isTypedEventType(eventType: string): eventType is TypedEventType {
  return Object.hasOwn(eventSchemas, eventType);
}

/** Array fields checked for their size before validation, so a huge array costs no per-item work or issues. */
export const cappedArrays: Readonly<Partial<Record<TypedEventType, readonly string[]>>> = { '11': ['objects'], '30': ['objects'] };
