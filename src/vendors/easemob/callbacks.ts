import { z } from 'zod';
import { messageBodySchema } from './bodies';

/**
 * Post-send callback bodies, one loose branch per `chat_type` (Easemob adds fields; we keep them).
 * https://doc.easemob.com/document/server-side/callback_postsending.html and the per-event pages
 * linked from it. Ids are strings in the documented samples; a number is accepted and kept as text
 * when JSON.parse kept it exactly. Easemob ids have 18 digits, beyond Number.MAX_SAFE_INTEGER: such a
 * number has already lost digits (two ids would become one), so it is refused and the body quarantined.
 */
const id = z
  .union([z.string().min(1).max(128), z.number()])
  .refine((value) => typeof value === 'string' || (Number.isSafeInteger(value) && value >= 0), 'a numeric id must be a whole number below 2^53; larger ids must arrive as strings (the number has lost digits)')
  .transform(String);

const envelope = {
  callId: z.string(),
  eventType: z.string().max(64).optional(),
  timestamp: z.union([z.number(), z.string()]),
  appkey: z.string().max(200),
  security: z.string(),
  securityVersion: z.string().optional(),
  host: z.string().optional(),
  from: z.string().max(256).optional(),
  to: z.string().max(256).optional(),
  msg_id: id.optional(),
  content_type: z.string().max(64).optional(),
};

/** Most bodies one message may carry; Easemob sends one, so more is hostile and bounded here. */
export const maxBodies = 100;

const messagePayload = z.looseObject({
  ext: z.record(z.string(), z.unknown()).optional(),
  bodies: z.array(messageBodySchema).max(maxBodies),
});

/** 1:1 message. callback_message_send.html */
export const chatCallback = z.looseObject({ ...envelope, chat_type: z.literal('chat'), from: z.string(), to: z.string(), msg_id: id, payload: messagePayload });

/** Group or chat-room message: `group_id` names either; `content_type` (newer clusters) tells which. */
export const groupchatCallback = z.looseObject({ ...envelope, chat_type: z.literal('groupchat'), from: z.string(), group_id: id, msg_id: id, payload: messagePayload });

/** callback_message_recall.html: `msg_id` is the recall's own id, `recall_id` the recalled message. */
export const recallCallback = z.looseObject({
  ...envelope,
  chat_type: z.literal('recall'),
  msg_id: id,
  recall_id: id.optional(),
  group_id: id.optional(),
  payload: z.looseObject({ ack_message_id: id.optional() }).optional(),
});

/** callback_single_read_ack.html: `msg_id` is the receipt's own id. */
export const readAckCallback = z.looseObject({
  ...envelope,
  chat_type: z.literal('read_ack'),
  msg_id: id,
  payload: z.looseObject({ ack_message_id: id.optional() }).optional(),
});

/** Thread and reaction notices (callback_thread.html, callback_reaction.html): `payload.type` says which. */
export const notifyCallback = z.looseObject({ ...envelope, chat_type: z.literal('notify'), payload: z.looseObject({ type: z.string().max(64).optional() }) });

/** Group and chat-room operations, older format (callback_group_room_old.html). */
export const mucCallback = z.looseObject({
  ...envelope,
  chat_type: z.literal('muc'),
  group_id: id.optional(),
  payload: z.looseObject({ operation: z.string().max(64).optional(), is_chatroom: z.boolean().optional(), muc_id: z.string().optional() }),
});

/** Any other callback (newer group operations, edits, presence, …): kept as received. */
export const otherCallback = z.looseObject({ ...envelope, chat_type: z.string().max(64).optional() });

export const easemobCallbackSchemas = {
  chat: chatCallback,
  groupchat: groupchatCallback,
  recall: recallCallback,
  read_ack: readAckCallback,
  notify: notifyCallback,
  muc: mucCallback,
} as const;

export type TypedChatType = keyof typeof easemobCallbackSchemas;
export const typedChatTypes = Object.keys(easemobCallbackSchemas) as TypedChatType[];
export const isTypedChatType = (value: unknown): value is TypedChatType => typeof value === 'string' && Object.hasOwn(easemobCallbackSchemas, value);

export type ChatCallback = z.output<typeof chatCallback>;
export type GroupchatCallback = z.output<typeof groupchatCallback>;
export type EasemobCallback =
  | ChatCallback
  | GroupchatCallback
  | z.output<typeof recallCallback>
  | z.output<typeof readAckCallback>
  | z.output<typeof notifyCallback>
  | z.output<typeof mucCallback>
  | z.output<typeof otherCallback>;
