import type { ConversationType } from '../../events/attributes';
import { eventAttributes } from '../../events/envelope';
import { dedupeId, type Event, type EventAttributes } from '../../events/event';
import type { MessageElement, NeutralMessage } from '../../events/message';
import type { MessageFacts } from '../vendor';
import { bodyTypeLabel, toElement } from './bodies';
import type { ChatCallback, EasemobCallback, GroupchatCallback } from './callbacks';

type MessageCallback = ChatCallback | GroupchatCallback;
const isMessage = (body: EasemobCallback): body is MessageCallback => body.chat_type === 'chat' || body.chat_type === 'groupchat';

/** The bounded part of a `chat_type` used in the CloudEvent `type`: lower-case word characters, else `other`. */
const typeWord = (chatType: string | undefined): string => (chatType && /^[a-z][a-z0-9_]{0,31}$/.test(chatType) ? chatType : 'other');

/**
 * The one place that reads Easemob field names: a validated callback becomes our CloudEvents envelope
 * (`data` = the body text as received) and, for messages, the neutral message.
 */
export function easemobEvent(body: EasemobCallback, data: string, receivedAt: number): { event: Event; facts: MessageFacts } {
  const b = body as Record<string, unknown> & EasemobCallback;
  const str = (field: string) => (typeof b[field] === 'string' ? (b[field] as string) : undefined);
  const payload = (b.payload ?? {}) as Record<string, unknown>;
  const message = isMessage(body) ? body : undefined;
  const bodyTypes = message ? message.payload.bodies.map((item) => item.type) : [];
  const elements = message ? message.payload.bodies.map(toElement) : [];
  const conversation = conversationOf(body);
  const sentMs = Number(body.timestamp);
  const time = Number.isFinite(sentMs) && sentMs > 0 && !Number.isNaN(new Date(sentMs).getTime()) ? new Date(sentMs).toISOString() : new Date(receivedAt).toISOString();
  const groupId = str('group_id');
  const attributes = eventAttributes({
    id: dedupeId(['easemob', body.appkey, ...naturalKey(body)]),
    source: `easemob-im/${body.appkey.split('#').map(encodeURIComponent).join('/')}`,
    type: `com.easemob.im.${typeWord(body.chat_type)}`,
    time,
    common: {
      vendor: 'easemob',
      command: body.chat_type ?? str('event') ?? 'unknown',
      appid: body.appkey,
      fromaccount: body.from,
      toaccount: conversation === 'c2c' || body.chat_type === 'recall' || body.chat_type === 'read_ack' ? body.to : undefined,
      groupid: groupId,
      convtype: conversation,
      messageid: body.msg_id,
      elementkinds: message ? elements.map((element) => element.kind).join(',') : undefined,
    },
    extensions: {
      eventtype: body.eventType,
      contenttype: body.content_type,
      bodytypes: message ? bodyTypes.join(',') : undefined,
      recallid: str('recall_id'),
      ackmessageid: typeof payload.ack_message_id === 'string' ? payload.ack_message_id : undefined,
    },
  });
  const event: Event = { attributes, data };
  const neutral = message && conversation ? neutralMessage(message, conversation, attributes, elements, time) : undefined;
  return {
    event: neutral ? { ...event, message: JSON.stringify(neutral) } : event,
    facts: {
      platform: 'other',
      msgTypes: bodyTypes.map(bodyTypeLabel),
      sendFailed: false,
      lagSeconds: Number.isFinite(sentMs) && sentMs > 0 ? (receivedAt - sentMs) / 1000 : undefined,
    },
  };
}

/**
 * Dedupe key (DESIGN.md decision 3): `chat_type` + `msg_id`, so the `chat` and `chat_offline` copies of
 * one message and Easemob's single retry are one event; recalls and receipts have their own `msg_id`.
 * Events without a `msg_id` fall back to the `callId`, unique per callback.
 */
function naturalKey(body: EasemobCallback): string[] {
  const chatType = body.chat_type ?? '';
  return body.msg_id !== undefined ? [chatType, body.msg_id] : [chatType, 'callId', body.callId];
}

/** `groupchat` covers groups and chat rooms: `content_type` (`chat:room:*`) tells them apart where present. */
function conversationOf(body: EasemobCallback): ConversationType | undefined {
  if (body.chat_type === 'chat') return 'c2c';
  if (body.chat_type === 'groupchat') return body.content_type?.startsWith('chat:room') ? 'chatroom' : 'group';
  return undefined;
}

function neutralMessage(body: MessageCallback, conversation: ConversationType, attributes: EventAttributes, elements: MessageElement[], sentAt: string): NeutralMessage {
  const ext = body.payload.ext;
  return {
    version: 1,
    vendor: 'easemob',
    appId: body.appkey,
    eventId: attributes.id,
    messageId: body.msg_id,
    conversation: conversation === 'c2c' ? 'one-to-one' : conversation,
    from: body.from,
    ...(body.chat_type === 'chat' ? { to: body.to } : { groupId: body.group_id }),
    sentAt,
    elements,
    ...(ext && Object.keys(ext).length > 0 ? { ext: JSON.stringify(ext) } : {}),
  };
}
