import { z } from 'zod';

/**
 * One line of an Easemob hourly history file
 * (https://doc.easemob.com/document/server-side/message_historical.html, "历史消息记录的内容"):
 * `msg_id`, `timestamp` (ms, when sending completed), `direction` (always `outgoing`), `chat_type`
 * (`chat`, `groupchat` or `chatroom`), `from`/`to` (internal, not to be relied on) and `payload`
 * (`bodies`, `ext`, `from` = the sender, `to` = the receiver, group or chat room). Ids are strings;
 * a number is kept as text only while it is exact.
 */
const id = z
  .union([z.string().min(1).max(128), z.number().refine((n) => Number.isSafeInteger(n) && n >= 0, 'a numeric id must be exact')])
  .transform(String);

export const historyRecord = z.looseObject({
  msg_id: id,
  timestamp: z.number().int().positive(),
  chat_type: z.string().max(64),
  from: z.string().max(256).optional(),
  to: z.string().max(256).optional(),
  payload: z.looseObject({
    bodies: z.array(z.unknown()).max(100),
    ext: z.record(z.string(), z.unknown()).optional(),
    from: z.string().max(256).optional(),
    to: z.string().max(256).optional(),
  }),
});
export type HistoryRecord = z.output<typeof historyRecord>;

/** The conversation word of the callback's `content_type` (`chat:user:*`, `chat:group:*`, `chat:room:*`). */
const contentWord: Readonly<Record<string, string>> = { chat: 'user', groupchat: 'group', chatroom: 'room' };

/**
 * The post-send callback body Easemob would have POSTed for a message of the history file, so the
 * vendor mapping gives it the same event id (App Key + chat_type + msg_id), attributes and neutral
 * message: `chat_type` `chatroom` becomes the callback's `groupchat` (which covers groups and chat
 * rooms) with `content_type` `chat:room:…` saying which; the group or room id is `payload.to`.
 * What the file does not carry stays out or is neutral: `eventType` is `chat` (the file does not say
 * whether the receiver was offline), `callId` is `{appkey}_{msg_id}` (one documented form), `host` is
 * absent and `security` is empty — the body is not signed, and needs not be: it never crosses the
 * network as a callback. The time is when sending completed (the callback's is when Easemob received
 * it, a few milliseconds earlier).
 */
export function callbackBodyOf(record: HistoryRecord, appKey: string): Record<string, unknown> {
  const chatType = record.chat_type === 'chatroom' ? 'groupchat' : record.chat_type;
  const from = record.payload.from ?? record.from ?? '';
  const to = record.payload.to ?? record.to ?? '';
  const group = chatType === 'groupchat';
  const firstType = (record.payload.bodies[0] as { type?: unknown } | undefined)?.type;
  const word = contentWord[record.chat_type];
  return {
    callId: `${appKey}_${record.msg_id}`,
    eventType: 'chat',
    timestamp: record.timestamp,
    chat_type: chatType,
    ...(group ? { group_id: to } : {}),
    from,
    to,
    msg_id: record.msg_id,
    payload: { ext: record.payload.ext ?? {}, bodies: record.payload.bodies },
    securityVersion: '1.0.0',
    security: '',
    appkey: appKey,
    ...(word !== undefined && typeof firstType === 'string' ? { content_type: `chat:${word}:${firstType}` } : {}),
  };
}
