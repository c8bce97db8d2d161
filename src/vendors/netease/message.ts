import type { MessageElement, NeutralMessage } from '../../events/message';
import type { TypedAttach } from './attach';

/** What the neutral message is built from: a validated eventType 1 (PERSON, TEAM, SUPER_TEAM) or 4 delivery. */
export interface MessageSource {
  readonly appId: string;
  readonly eventId: string;
  readonly messageId: string;
  readonly clientMessageId: string | undefined;
  readonly conversation: NeutralMessage['conversation'];
  readonly from: string;
  readonly to: string | undefined;
  readonly groupId: string | undefined;
  readonly sentAt: string;
  readonly sendFailed: boolean;
  readonly msgType: string;
  readonly body: string | undefined;
  /** `attach` as sent (a JSON string, plain text in chat-room TEXT messages, or an object). */
  readonly attach: unknown;
  readonly typedAttach: TypedAttach | undefined;
  readonly ext: unknown;
  readonly extView: unknown;
}

/** The vendor-neutral message (events/message.ts): everything needed to send it again elsewhere. */
export function neteaseMessage(source: MessageSource): NeutralMessage {
  return {
    version: 1,
    vendor: 'netease',
    appId: source.appId,
    eventId: source.eventId,
    messageId: source.messageId,
    clientMessageId: source.clientMessageId,
    conversation: source.conversation,
    from: source.from,
    to: source.to,
    groupId: source.groupId,
    sentAt: source.sentAt,
    sendFailed: source.sendFailed || undefined,
    elements: [neteaseElement(source.msgType, source.body, source.attach, source.typedAttach)],
    ext: source.ext === undefined || source.ext === '' ? undefined : asJsonText(source.ext),
  };
}

/**
 * One NetEase message is one element. Sizes are bytes; NetEase durations (`dur`) are milliseconds.
 * https://doc.yunxin.163.com/messaging2/server-apis (attach formats, protocols/netease.md §5.1)
 */
export function neteaseElement(msgType: string, body: string | undefined, attach: unknown, typed: TypedAttach | undefined): MessageElement {
  const vendorType = msgType;
  if (msgType === 'TEXT') return { kind: 'text', vendorType, text: nonEmpty(body) ?? (typeof attach === 'string' ? attach : '') };
  if (msgType === 'CUSTOM') {
    return { kind: 'custom', vendorType, data: attach === undefined ? undefined : asJsonText(attach), description: nonEmpty(body) };
  }
  const a = (typed ?? {}) as Record<string, unknown>;
  const common = { url: nonEmpty(a.url), size: num(a.size) };
  switch (typed === undefined ? undefined : msgType) {
    case 'PICTURE':
      return {
        kind: 'image',
        vendorType,
        images: [{ url: String(a.url), width: num(a.w), height: num(a.h), size: num(a.size), role: 'original' }],
        format: nonEmpty(a.ext),
        name: nonEmpty(a.name),
        md5: nonEmpty(a.md5),
      };
    case 'AUDIO':
      return { kind: 'audio', vendorType, ...common, durationSeconds: seconds(a.dur), format: nonEmpty(a.ext) };
    case 'VIDEO':
      return { kind: 'video', vendorType, ...common, durationSeconds: seconds(a.dur), format: nonEmpty(a.ext), width: num(a.w), height: num(a.h) };
    case 'FILE':
      return { kind: 'file', vendorType, ...common, name: nonEmpty(a.name), md5: nonEmpty(a.md5) };
    case 'LOCATION':
      return { kind: 'location', vendorType, latitude: Number(a.lat), longitude: Number(a.lng), description: nonEmpty(a.title) };
    default:
      return { kind: 'unknown', vendorType, content: definedOnly({ body, attach }) };
  }
}

const num = (value: unknown) => (typeof value === 'number' ? value : undefined);
const seconds = (ms: unknown) => (typeof ms === 'number' ? ms / 1000 : undefined);
const nonEmpty = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);

function asJsonText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function definedOnly(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}
