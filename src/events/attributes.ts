/** Values CloudEvents allows for context attributes that we use. */
export type AttributeValue = string | number | boolean;

/**
 * The extension attributes every vendor fills where it has the fact (DESIGN.md decision 12). Routing
 * filters, the PostgreSQL sink's columns and the metrics read these names only; a vendor's own extras
 * (Tencent `sdkappid`, `msgkey`, …) stand beside them. All values are strings or booleans: CloudEvents
 * `Integer` is 32-bit, and vendor ids and sequence numbers do not fit it.
 */
export interface CommonAttributes {
  /** `tencent` | `netease` | `easemob` */
  readonly vendor: string;
  /** The vendor's callback command or event type, e.g. `C2C.CallbackAfterSendMsg`, `conversation` (NetEase eventType 1), `chat`. */
  readonly command: string;
  /** The vendor's app: Tencent SdkAppid, NetEase AppKey, Easemob `org#app`. */
  readonly appid?: string;
  /** Sender account. */
  readonly fromaccount?: string;
  /** Recipient account of a one-to-one message. */
  readonly toaccount?: string;
  /** Group or chat room id. */
  readonly groupid?: string;
  /** `c2c` | `group` | `chatroom` for message events. */
  readonly convtype?: ConversationType;
  /** The vendor's id of the message (Tencent MsgKey or MsgSeq, NetEase msgidServer, Easemob msg_id). */
  readonly messageid?: string;
  /** Neutral element kinds of the message, comma-separated in order (`text,image`). */
  readonly elementkinds?: string;
  /** The vendor reports that the message did not reach its recipient. */
  readonly sendfailed?: boolean;
}

export type ConversationType = 'c2c' | 'group' | 'chatroom';

export const commonAttributeNames = [
  'vendor',
  'command',
  'appid',
  'fromaccount',
  'toaccount',
  'groupid',
  'convtype',
  'messageid',
  'elementkinds',
  'sendfailed',
] as const satisfies readonly (keyof CommonAttributes)[];

/** Drops undefined values, so absent facts are absent attributes (never `null`). */
export function definedAttributes(record: Record<string, AttributeValue | undefined>): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const key in record) {
    const value = record[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}
