import { createHash } from 'node:crypto';
import { dedupeId, type AttributeValue, type Event, type EventAttributes } from '../../events/event';
import type { TencentCallback } from './callbacks';
import { knownMsgTypes, type MsgElement } from './elements';
import type { TencentQuery } from './query';

/** What the metrics want to know about an accepted message (all label values bounded). */
export interface MessageFacts {
  readonly platform: string;
  readonly msgTypes: readonly string[];
  readonly sendFailed: boolean;
  readonly lagSeconds?: number;
  readonly unread?: number;
}

/**
 * The one place that reads Tencent field names: turns a validated callback into our CloudEvents
 * envelope. `data` is the body text exactly as received.
 */
export function tencentEvent(query: TencentQuery, body: TencentCallback, data: string, receivedAt: number): { event: Event; facts: MessageFacts } {
  const b = body as Record<string, unknown>;
  const str = (field: string) => (typeof b[field] === 'string' ? (b[field] as string) : undefined);
  const int = (field: string) => (typeof b[field] === 'number' ? (b[field] as number) : undefined);
  const elements = Array.isArray(b.MsgBody) ? (b.MsgBody as MsgElement[]) : [];
  const msgTypes = elements.map((element) => element.MsgType);
  const msgTime = int('MsgTime');
  const extensions: Record<string, AttributeValue | undefined> = {
    vendor: 'tencent',
    command: body.CallbackCommand,
    sdkappid: query.sdkAppId,
    platform: query.platform,
    clientip: query.clientIp,
    msgkey: str('MsgKey'),
    msgid: str('MsgId'),
    fromaccount: str('From_Account') ?? str('Report_Account'),
    toaccount: str('To_Account') ?? str('Peer_Account'),
    groupid: str('GroupId'),
    msgseq: int('MsgSeq'),
    msgtime: msgTime,
    sendresult: int('SendMsgResult'),
    msgtypes: msgTypes.length > 0 ? msgTypes.join(',') : undefined,
  };
  const attributes: EventAttributes = {
    specversion: '1.0',
    id: dedupeId(['tencent', query.sdkAppId, body.CallbackCommand, ...naturalKey(body, data)]),
    source: `tencent-im/${query.sdkAppId}`,
    type: `com.tencent.im.${body.CallbackCommand}`,
    time: occurredAt(b, receivedAt),
    datacontenttype: 'application/json',
    ...withoutUndefined(extensions),
  };
  const isAfterSend = body.CallbackCommand === 'C2C.CallbackAfterSendMsg';
  const sendResult = int('SendMsgResult');
  return {
    event: { attributes, data },
    facts: {
      platform: query.platformLabel,
      msgTypes: msgTypes.map((type) => (knownMsgTypes.has(type) ? type : 'other')),
      sendFailed: isAfterSend && sendResult !== undefined && sendResult !== 0,
      lagSeconds: msgTime === undefined ? undefined : receivedAt / 1000 - msgTime,
      unread: isAfterSend ? int('UnreadMsgNum') : undefined,
    },
  };
}

/**
 * The vendor's natural key of the occurrence (DESIGN.md decision 3). C2C MsgKey is unique within a
 * sender/recipient pair; group MsgSeq increases per group. Commands without a documented key fall back
 * to the body itself, so only a byte-identical resend is a duplicate.
 */
function naturalKey(body: TencentCallback, data: string): (string | number)[] {
  const b = body as Record<string, string | number | undefined>;
  switch (body.CallbackCommand) {
    case 'C2C.CallbackAfterSendMsg':
    case 'C2C.CallbackAfterMsgWithDraw':
      return [b.From_Account ?? '', b.To_Account ?? '', b.MsgKey ?? ''];
    case 'C2C.CallbackBeforeSendMsg':
      return [b.From_Account ?? '', b.To_Account ?? '', b.MsgKey ?? `${b.MsgSeq}_${b.MsgRandom}_${b.MsgTime}`];
    case 'C2C.CallbackAfterMsgReport':
      return [b.Report_Account ?? '', b.Peer_Account ?? '', b.LastReadTime ?? ''];
    case 'Group.CallbackAfterSendMsg':
      return [b.GroupId ?? '', b.MsgSeq ?? ''];
    default:
      return ['body-sha256', createHash('sha256').update(data).digest('hex')];
  }
}

/** EventTime (ms) when present, else MsgTime (s), else when we received the callback. */
function occurredAt(body: Record<string, unknown>, receivedAt: number): string {
  const eventTime = Number(body.EventTime);
  if (body.EventTime !== undefined && Number.isFinite(eventTime) && eventTime > 0) return isoOr(eventTime, receivedAt);
  if (typeof body.MsgTime === 'number' && body.MsgTime > 0) return isoOr(body.MsgTime * 1000, receivedAt);
  return new Date(receivedAt).toISOString();
}

function isoOr(ms: number, fallback: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? new Date(fallback).toISOString() : date.toISOString();
}

function withoutUndefined(record: Record<string, AttributeValue | undefined>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Record<string, AttributeValue>;
}
