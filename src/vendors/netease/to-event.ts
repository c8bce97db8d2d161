import { eventAttributes } from '../../events/envelope';
import { bodyHashKey, bodyKey, dedupeId, type Event } from '../../events/event';
import type { MessageFacts } from '../vendor';
import { eventTypeName, msgTypeLabel, platformLabel } from './event-types';
import { neteaseMessage } from './message';
import { occurrenceOf, type Occurrence } from './occurrence';
import type { ParsedEvent } from './parse';

/**
 * Turns a validated delivery into our CloudEvents envelope; `data` is the body text exactly as received.
 * The id is the natural key where NetEase has one (msgidServer; recalls by msgId), the body itself
 * for login and logout with a timestamp (`bodyKey`), else the body hash within a short window
 * (`bodyHashKey`).
 */
export function neteaseEvent(appId: string | undefined, parsed: ParsedEvent, data: string, receivedAt: number): { event: Event; facts: MessageFacts } {
  const o = occurrenceOf(parsed);
  const app = appId ?? 'unknown';
  const key = o.key === 'body' ? bodyKey(data) : (o.key ?? bodyHashKey(data, receivedAt));
  const id = dedupeId(['netease', app, parsed.eventType, ...key]);
  const sentMs = epochMs(o.occurredAt);
  const time = new Date(sentMs ?? receivedAt).toISOString();
  const message = messageOf(o, app, id, time);
  const attributes = eventAttributes({
    id,
    source: `netease-im/${app}`,
    type: `com.netease.im.${eventTypeName(parsed.eventType)}`,
    time,
    common: {
      vendor: 'netease',
      command: eventTypeName(parsed.eventType),
      appid: appId,
      fromaccount: o.from,
      toaccount: o.to,
      groupid: o.groupId,
      convtype: o.convType,
      messageid: o.messageId,
      elementkinds: message?.elements.map((element) => element.kind).join(','),
      sendfailed: o.message === undefined ? undefined : (o.sendFailed ?? false),
    },
    extensions: {
      eventtype: parsed.eventType,
      clienttype: o.clientType,
      msgtypes: o.msgType,
      msgidclient: o.clientMessageId,
      neteaseconvtype: parsed.eventType === '1' ? String((parsed.value as { fields: { convType: string } }).fields.convType) : undefined,
    },
  });
  return {
    event: message === undefined ? { attributes, data } : { attributes, data, message: JSON.stringify(message) },
    facts: {
      platform: platformLabel(o.clientType),
      msgTypes: o.msgType === undefined ? [] : [msgTypeLabel(o.msgType)],
      sendFailed: o.sendFailed ?? false,
      lagSeconds: o.message === undefined || sentMs === undefined ? undefined : (receivedAt - sentMs) / 1000,
    },
  };
}

function messageOf(o: Occurrence, appId: string, eventId: string, sentAt: string) {
  if (o.message === undefined || o.from === undefined) return undefined;
  const { fields, views } = o.message;
  return neteaseMessage({
    appId,
    eventId,
    messageId: o.messageId ?? o.clientMessageId ?? eventId,
    clientMessageId: o.clientMessageId,
    conversation: o.convType === 'c2c' ? 'one-to-one' : o.convType === 'chatroom' ? 'chatroom' : 'group',
    from: o.from,
    to: o.to,
    groupId: o.groupId,
    sentAt,
    sendFailed: o.sendFailed ?? false,
    msgType: fields.msgType,
    body: fields.body,
    attach: fields.attach,
    typedAttach: views.typedAttach,
    ext: fields.ext,
    extView: views.ext,
  });
}

/** Years 2000 to 2100: a timestamp outside is not one NetEase meant (and RFC 3339 has only four-digit years). */
const plausibleMs = { min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) };

/** A millisecond timestamp NetEase sent, if it is a plausible one. */
function epochMs(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,15}$/.test(value)) return undefined;
  const ms = Number(value);
  return ms >= plausibleMs.min && ms < plausibleMs.max ? ms : undefined;
}
