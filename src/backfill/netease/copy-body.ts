import type { NeteaseHistoryMessage } from './history';

/** The history's numeric `type` → the message copy's `msgType` (消息抄送 and the history pages' type lists). */
const msgTypes: Readonly<Record<number, string>> = {
  0: 'TEXT', 1: 'PICTURE', 2: 'AUDIO', 3: 'VIDEO', 4: 'LOCATION', 5: 'NOTIFICATION', 6: 'FILE', 10: 'TIPS', 11: 'ROBOT', 12: 'NRTC_NETCALL', 100: 'CUSTOM',
};

/** Where a fetched message was said: a one-to-one pair (the peer of the sender is `to`), a team or a super team. */
export type CopyConversation = { readonly convType: 'PERSON'; readonly a: string; readonly b: string } | { readonly convType: 'TEAM' | 'SUPER_TEAM'; readonly tid: string };

const jsonText = (value: unknown): string => (typeof value === 'string' ? value : value === undefined || value === null ? '' : JSON.stringify(value));

/**
 * The eventType 1 body (消息抄送) NetEase would have POSTed for a message read from the history: the
 * fields the gateway's event id and neutral message come from (`convType`, `to`, `fromAccount`,
 * `msgTimestamp`, `msgType`, `body` or `attach`, `msgidServer`, `msgidClient`, `ext`), so the event has
 * the same id as the callback's (AppKey + convType + msgidServer). What the history does not carry
 * (`fromDeviceId`, `fromNick`, `ip`, `tMembers`, …) is left out rather than made up. The history gives
 * a text message's body as `{"msg": …}` where the copy has the text itself in `body`; other types'
 * content goes to `attach` as JSON text, as in the copy.
 */
export function neteaseCopyBody(message: NeteaseHistoryMessage, where: CopyConversation): Record<string, unknown> {
  const msgType = msgTypes[message.type] ?? String(message.type);
  const content = typeof message.body === 'string' ? parseJson(message.body) : message.body;
  const text = msgType === 'TEXT' ? textOf(content, message.body) : '';
  const to = where.convType === 'PERSON' ? (message.to ?? (message.from === where.a ? where.b : where.a)) : where.tid;
  return {
    eventType: '1',
    convType: where.convType,
    to,
    fromAccount: message.from,
    ...(message.fromclienttype === undefined ? {} : { fromClientType: String(message.fromclienttype) }),
    msgTimestamp: String(message.sendtime),
    msgType,
    body: text,
    attach: msgType === 'TEXT' ? '' : jsonText(message.body),
    ...(message.msgidclient === undefined ? {} : { msgidClient: message.msgidclient }),
    msgidServer: message.msgid,
    ...(message.ext === undefined || message.ext === '' ? {} : { ext: jsonText(message.ext) }),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function textOf(content: unknown, raw: unknown): string {
  if (typeof content === 'object' && content !== null && typeof (content as { msg?: unknown }).msg === 'string') return (content as { msg: string }).msg;
  return typeof raw === 'string' ? raw : jsonText(raw);
}
