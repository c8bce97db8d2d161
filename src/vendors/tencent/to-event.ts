import { z } from 'zod';
import type { ConversationType } from '../../events/attributes';
import { eventAttributes } from '../../events/envelope';
import { bodyHashKey, dedupeId, type Event } from '../../events/event';
import type { NeutralMessage } from '../../events/message';
import { bodyLimits } from './bounds';
import { typedCallback, type C2CAfterSendMsg, type C2CBeforeSendMsg, type GroupAfterSendMsg, type TencentCallback } from './callbacks';
import { boundedArray, knownMsgTypes, type MsgElement } from './elements';
import { kindOf, neutralElement } from './neutral';
import type { MessageFacts } from '../vendor';
import type { TencentQuery } from './query';

/** Natural-key parts of an occurrence; undefined when the body has none (then a short body-hash key). */
type NaturalKey = readonly (string | number)[] | undefined;

/** What one command's mapping learns from a body; every field optional, read from the typed body only. */
interface Mapped {
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly groupId?: string | undefined;
  readonly convtype?: ConversationType | undefined;
  readonly messageId?: string | undefined;
  readonly msgKey?: string | undefined;
  readonly msgId?: string | undefined;
  readonly msgSeq?: number | undefined;
  readonly msgTime?: number | undefined;
  readonly sendResult?: number | undefined;
  readonly unread?: number | undefined;
  readonly eventTime?: number | string | undefined;
  readonly elements: readonly MsgElement[];
  readonly key: NaturalKey;
  /** Set for after-send messages, which become a neutral message. */
  readonly message?: { readonly cloudCustomData?: string | undefined } | undefined;
}

/**
 * The one place that reads Tencent field names: turns a validated callback into our CloudEvents
 * envelope (`data` = the body text exactly as received) and, for sent messages, the neutral message.
 * Each typed command is mapped on its narrowed type; every other command by one lenient schema.
 */
export function tencentEvent(query: TencentQuery, body: TencentCallback, data: string, receivedAt: number): { event: Event; facts: MessageFacts } {
  const m = mapCallback(body);
  const msgTypes = m.elements.map((element) => element.MsgType);
  const elements = m.message ? m.elements.map(neutralElement) : undefined;
  const command = query.command;
  const sentAt = m.msgTime !== undefined && m.msgTime > 0 ? isoOr(m.msgTime * 1000, receivedAt) : undefined;
  const time = occurredAt(m, receivedAt, sentAt);
  const key = m.key ?? bodyHashKey(data, receivedAt);
  const id = dedupeId(['tencent', query.sdkAppId, command, ...key]);
  const sendFailed = command === 'C2C.CallbackAfterSendMsg' && m.sendResult !== undefined && m.sendResult !== 0;
  const attributes = eventAttributes({
    id,
    source: `tencent-im/${query.sdkAppId}`,
    type: `com.tencent.im.${command}`,
    time,
    common: {
      vendor: 'tencent',
      command,
      appid: query.sdkAppId,
      fromaccount: m.from,
      toaccount: m.to,
      groupid: m.groupId,
      convtype: m.convtype,
      messageid: m.messageId,
      elementkinds: msgTypes.length > 0 ? msgTypes.map(kindOf).join(',') : undefined,
      sendfailed: command === 'C2C.CallbackAfterSendMsg' && m.sendResult !== undefined ? sendFailed : undefined,
    },
    // Numbers as strings: CloudEvents Integer is 32-bit signed, MsgSeq and MsgTime are uint32.
    extensions: {
      sdkappid: query.sdkAppId,
      platform: query.platform,
      clientip: query.clientIp,
      msgkey: m.msgKey,
      msgid: m.msgId,
      msgseq: decimal(m.msgSeq),
      msgtime: decimal(m.msgTime),
      sendresult: decimal(m.sendResult),
      msgtypes: msgTypes.length > 0 ? msgTypes.join(',') : undefined,
    },
  });
  // Absent optional fields are left out of the text (JSON.stringify drops undefined), as the schema wants.
  const message: NeutralMessage | undefined =
    m.message && elements && m.from !== undefined && m.convtype !== undefined
      ? {
          version: 1 as const,
          vendor: 'tencent',
          appId: query.sdkAppId,
          eventId: id,
          messageId: m.messageId ?? id,
          clientMessageId: m.msgId,
          conversation: m.convtype === 'c2c' ? ('one-to-one' as const) : m.convtype,
          from: m.from,
          to: m.convtype === 'c2c' ? m.to : undefined,
          groupId: m.convtype === 'c2c' ? undefined : m.groupId,
          sentAt: sentAt ?? time,
          sendFailed: command === 'C2C.CallbackAfterSendMsg' && m.sendResult !== undefined ? sendFailed : undefined,
          elements,
          ext: m.message.cloudCustomData === '' ? undefined : m.message.cloudCustomData,
        }
      : undefined;
  return {
    event: message ? { attributes, data, message: JSON.stringify(message) } : { attributes, data },
    facts: {
      platform: query.platformLabel,
      msgTypes: msgTypes.map((type) => (knownMsgTypes.has(type) ? type : 'other')),
      sendFailed,
      lagSeconds: m.msgTime === undefined ? undefined : receivedAt / 1000 - m.msgTime,
      unread: command === 'C2C.CallbackAfterSendMsg' ? m.unread : undefined,
    },
  };
}

function mapCallback(body: TencentCallback): Mapped {
  const typed = typedCallback(body);
  switch (typed?.CallbackCommand) {
    case 'C2C.CallbackAfterSendMsg':
      return { ...c2cMessage(typed), sendResult: typed.SendMsgResult, unread: typed.UnreadMsgNum, message: { cloudCustomData: typed.CloudCustomData } };
    case 'C2C.CallbackBeforeSendMsg':
      return c2cMessage(typed);
    case 'Group.CallbackAfterSendMsg':
      return groupMessage(typed);
    case 'C2C.CallbackAfterMsgWithDraw':
      return {
        from: typed.From_Account,
        to: typed.To_Account,
        convtype: 'c2c',
        messageId: typed.MsgKey,
        msgKey: typed.MsgKey,
        eventTime: typed.EventTime,
        elements: [],
        key: [typed.From_Account, typed.To_Account, typed.MsgKey],
      };
    case 'C2C.CallbackAfterMsgReport':
      return {
        from: typed.Report_Account,
        to: typed.Peer_Account,
        convtype: 'c2c',
        eventTime: typed.EventTime,
        elements: [],
        key: [typed.Report_Account, typed.Peer_Account, typed.LastReadTime],
      };
    case undefined:
      return otherCommand(body);
  }
}

/**
 * C2C message identity: MsgKey (unique per sender and recipient); without it, the MsgSeq_MsgRandom_MsgTime
 * triple every official MsgKey is made of; without those, the client's MsgId; else none (body hash).
 */
function c2cMessage(b: C2CAfterSendMsg | C2CBeforeSendMsg): Mapped {
  const triple = b.MsgSeq !== undefined && b.MsgRandom !== undefined && b.MsgTime !== undefined ? `${b.MsgSeq}_${b.MsgRandom}_${b.MsgTime}` : undefined;
  const messageKey = b.MsgKey ?? triple;
  return {
    from: b.From_Account,
    to: b.To_Account,
    convtype: 'c2c',
    messageId: messageKey ?? b.MsgId,
    msgKey: b.MsgKey,
    msgId: b.MsgId,
    msgSeq: b.MsgSeq,
    msgTime: b.MsgTime,
    eventTime: b.EventTime,
    elements: b.MsgBody,
    key: messageKey !== undefined ? [b.From_Account, b.To_Account, messageKey] : b.MsgId !== undefined ? [b.From_Account, b.To_Account, 'msgid', b.MsgId] : undefined,
  };
}

/** Group types whose messages are chat-room messages (no membership list): audio-video chat rooms and Live rooms. */
const chatRoomTypes: ReadonlySet<string> = new Set(['AVChatRoom', 'BChatRoom', 'Live']);

/**
 * Group message identity: GroupId + MsgSeq (strictly increasing per group); audio-video chat rooms may
 * omit MsgSeq, then the client's MsgId, then the sender's Random; else none (body hash).
 */
function groupMessage(b: GroupAfterSendMsg): Mapped {
  const key: NaturalKey =
    b.MsgSeq !== undefined
      ? [b.GroupId, b.MsgSeq]
      : b.MsgId !== undefined
        ? [b.GroupId, 'msgid', b.MsgId]
        : b.Random !== undefined
          ? [b.GroupId, 'random', b.From_Account, b.Random, b.MsgTime ?? '']
          : undefined;
  return {
    from: b.From_Account,
    groupId: b.GroupId,
    convtype: b.Type !== undefined && chatRoomTypes.has(b.Type) ? 'chatroom' : 'group',
    messageId: b.MsgSeq !== undefined ? `${b.GroupId}:${b.MsgSeq}` : b.MsgId,
    msgId: b.MsgId,
    msgSeq: b.MsgSeq,
    msgTime: b.MsgTime,
    eventTime: b.EventTime,
    elements: b.MsgBody,
    key,
    message: { cloudCustomData: b.CloudCustomData },
  };
}

const optionalString = z.string().optional().catch(undefined);
const optionalInt = z.int().optional().catch(undefined);

/**
 * The facts commands without a typed schema may carry under their usual names (Bot, Group, Sns, …).
 * Lenient: a field of another type is left out, never a reason to refuse the callback.
 */
const otherFacts = z.looseObject({
  From_Account: optionalString,
  To_Account: optionalString,
  GroupId: optionalString,
  MsgKey: optionalString,
  MsgId: optionalString,
  MsgSeq: optionalInt,
  MsgTime: optionalInt,
  EventTime: z.union([z.number(), z.string()]).optional().catch(undefined),
  MsgBody: boundedArray(z.looseObject({ MsgType: z.string() }), bodyLimits.maxElements).optional().catch(undefined),
});

/** Commands without a typed schema: only the usual facts, and a body-hash key. */
function otherCommand(body: TencentCallback): Mapped {
  const b = otherFacts.parse(body);
  return {
    from: b.From_Account,
    to: b.To_Account,
    groupId: b.GroupId,
    msgKey: b.MsgKey,
    msgId: b.MsgId,
    msgSeq: b.MsgSeq,
    msgTime: b.MsgTime,
    eventTime: b.EventTime,
    elements: b.MsgBody ?? [],
    key: undefined,
  };
}

/** EventTime (ms) when present, else MsgTime (`sentAt`, already formatted), else when we received the callback. */
function occurredAt(m: Mapped, receivedAt: number, sentAt: string | undefined): string {
  const eventTime = Number(m.eventTime);
  if (m.eventTime !== undefined && Number.isFinite(eventTime) && eventTime > 0) return isoOr(eventTime, receivedAt);
  return sentAt ?? new Date(receivedAt).toISOString();
}

/** `ms` as RFC 3339, or `fallback` (a time or its text) when `ms` is out of the Date range. */
function isoOr(ms: number, fallback: number | string): string {
  const date = new Date(ms);
  if (!Number.isNaN(date.getTime())) return date.toISOString();
  return typeof fallback === 'string' ? fallback : new Date(fallback).toISOString();
}

const decimal = (value: number | undefined) => (value === undefined ? undefined : String(value));
