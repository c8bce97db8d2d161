import type { ConversationType } from '../../events/attributes';
import { messageConvTypes, type ChatroomMessageEvent, type ConversationEvent } from './conversation';
import { asText } from './fields';
import type { ParsedEvent } from './parse';

/**
 * The one place that reads NetEase field names: what an event says about who, where, which message and
 * when, in NetEase-neutral terms. `key` is the natural key of the occurrence, when NetEase has one.
 */
export interface Occurrence {
  readonly from?: string;
  readonly to?: string;
  readonly groupId?: string;
  readonly convType?: ConversationType;
  readonly messageId?: string;
  readonly clientMessageId?: string;
  readonly clientType?: string;
  readonly msgType?: string;
  /** When NetEase says it happened: milliseconds since the epoch, as sent (checked by the caller). */
  readonly occurredAt?: string;
  readonly sendFailed?: boolean;
  /** The natural key; `body` when the body itself is the key (it carries its own timestamp, see `bodyKey`). */
  readonly key?: readonly string[] | 'body';
  /** eventType 1 and 4 messages: the fields the neutral message is built from. */
  readonly message?: ConversationEvent | ChatroomMessageEvent;
}

type Fields = Record<string, string | number | boolean | undefined>;
const isTrue = (value: unknown) => value === true || value === 'true';

export function occurrenceOf(parsed: ParsedEvent): Occurrence {
  switch (parsed.eventType) {
    case '1':
      return conversation(parsed.value as ConversationEvent);
    case '4': {
      const message = parsed.value as ChatroomMessageEvent;
      const f = message.fields;
      return {
        from: f.fromAccount,
        groupId: String(f.roomId),
        convType: 'chatroom',
        messageId: asText(f.msgidClient),
        clientMessageId: asText(f.msgidClient),
        clientType: f.fromClientType,
        msgType: f.msgType,
        occurredAt: String(f.msgTimestamp),
        sendFailed: isTrue(f.antispam),
        message,
      };
    }
    case '2':
    case '3': {
      // Login and logout have no event id, and accid + timestamp do not make one: two devices or client
      // types of one account can log in or out in the same millisecond, with different codes and reasons.
      // With a timestamp every field is the key (the body); without one, the windowed body hash.
      const f = parsed.value as Fields;
      const timestamp = asText(f.timestamp);
      return { from: asText(f.accid), clientType: asText(f.clientType), occurredAt: timestamp, key: timestamp === undefined ? undefined : 'body' };
    }
    case '7':
    case '8':
    case '25': {
      const f = parsed.value as Fields;
      const p2p = parsed.eventType === '7';
      return {
        from: asText(f.from),
        to: p2p ? asText(f.to) : undefined,
        groupId: p2p ? undefined : asText(f.to),
        convType: p2p ? 'c2c' : 'group',
        messageId: asText(f.msgId),
        clientMessageId: asText(f.clientId),
        clientType: asText(f.fromClientType),
        occurredAt: asText(f.deleteTime),
        key: ['msgId', String(f.msgId)],
      };
    }
    default:
      return generic(parsed.value as Fields);
  }
}

function conversation(message: ConversationEvent): Occurrence {
  const f = message.fields;
  const p2p = f.convType === 'PERSON' || f.convType === 'CUSTOM_PERSON';
  const known = p2p || f.convType === 'TEAM' || f.convType === 'SUPER_TEAM' || f.convType === 'CUSTOM_TEAM';
  const msgidServer = asText(f.msgidServer);
  return {
    from: f.fromAccount,
    to: p2p ? f.to : undefined,
    groupId: known && !p2p ? f.to : undefined,
    convType: known ? (p2p ? 'c2c' : 'group') : undefined,
    messageId: msgidServer,
    clientMessageId: asText(f.msgidClient),
    clientType: f.fromClientType,
    msgType: f.msgType,
    occurredAt: String(f.msgTimestamp),
    sendFailed: isTrue(f.antispam) || isTrue(f.blacklist),
    key: msgidServer === undefined ? undefined : ['msgidServer', f.convType, msgidServer],
    message: messageConvTypes.has(f.convType) ? message : undefined,
  };
}

/** Chat-room, heartbeat, signalling and other events: the commonly named fields where present. */
function generic(f: Fields): Occurrence {
  const text = (name: string) => (typeof f[name] === 'string' || typeof f[name] === 'number' ? String(f[name]) : undefined);
  return {
    from: text('accid') ?? text('fromAccount'),
    to: text('toAccount'),
    // eventType 14's samples spell it `roomid`.
    groupId: text('roomId') ?? text('roomid'),
    clientType: text('clientType') ?? text('fromClientType'),
    occurredAt: text('timestamp'),
  };
}
