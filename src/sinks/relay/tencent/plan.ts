import { hash as sha } from 'node:crypto';
import type { NeutralMessage } from '../../../events/message';
import { relayMarker, relayMarkerKey } from '../../../events/relay-marker';
import { destinationsOf, senderOf, type ConversationTargets, type Destination } from '../conversations';
import { UnmappableError } from '../errors';
import type { RelayStep } from '../runner';
import { echoOf, msgBody, type RelayElements } from './elements';
import type { Endpoint } from './limiter';

/** One Tencent REST call of a relayed message. */
export interface Step extends RelayStep {
  readonly endpoint: Endpoint;
  readonly body: Readonly<Record<string, unknown>>;
}

/** What of the sink's settings the plan reads. */
export interface PlanSettings {
  /** The admin account the calls are made as (and the sender Tencent shows without `From_Account`). */
  readonly identifier: string;
  readonly mode: 'send' | 'import';
  readonly from?: string;
  readonly targets: ConversationTargets;
  readonly elements: RelayElements;
  readonly syncOtherMachine: boolean;
  readonly silent: boolean;
}

/** `MsgBody` is at most 12 KB (error 80002 "消息内容过长"); the marker travels beside it in CloudCustomData. */
export const maxMessageBytes = 12 * 1024;

/**
 * Every call of one message (none when its sender is skipped): one per destination, the whole
 * `MsgBody` in each, a user through `sendmsg`/`importmsg`, a group or chat room (an AVChatRoom group
 * on Tencent) through `send_group_msg`/`import_group_msg`. Each carries the signed relay marker in
 * `CloudCustomData`, over the copy as Tencent's after-send callback will show it.
 */
export function planSends(message: NeutralMessage, config: PlanSettings, relayKeys: readonly string[]): Step[] {
  const sender = senderOf(message, config.targets, config.from, 'Tencent');
  if (sender === 'skip') return [];
  const body = msgBody(message, config.elements);
  const bytes = Buffer.byteLength(JSON.stringify(body));
  if (bytes > maxMessageBytes) throw new UnmappableError(`MsgBody is ${bytes} bytes, over Tencent's ${maxMessageBytes}-byte limit`);
  const from = sender.from === '' ? undefined : sender.from;
  if (config.mode === 'import' && from === undefined) throw new UnmappableError('an import needs a sender (From_Account); the message has none');
  const elements = body.map(echoOf);
  return destinationsOf(message, config.targets, 'Tencent').map((destination) => {
    const copy = { from: from ?? config.identifier, to: { kind: destination.kind === 'user' ? ('user' as const) : ('group' as const), id: destination.id }, elements };
    const cloudCustomData = JSON.stringify({ [relayMarkerKey]: relayMarker(message, [copy], relayKeys) });
    const digest = sha('sha256', JSON.stringify([destination.kind, destination.id, body]), 'buffer');
    const random = digest.readUInt32BE(0);
    const endpoint = endpointOf(destination, config.mode);
    return { key: digest.toString('hex').slice(0, 32), endpoint, body: request(endpoint, destination.id, { message, config, from, body, random, cloudCustomData }) };
  });
}

function endpointOf(destination: Destination, mode: PlanSettings['mode']): Endpoint {
  if (destination.kind === 'user') return mode === 'send' ? 'sendmsg' : 'importmsg';
  return mode === 'send' ? 'send_group_msg' : 'import_group_msg';
}

interface Parts {
  readonly message: NeutralMessage;
  readonly config: PlanSettings;
  readonly from: string | undefined;
  readonly body: readonly unknown[];
  readonly random: number;
  readonly cloudCustomData: string;
}

/** The request body of each command (field names from each command's REST page). */
function request(endpoint: Endpoint, to: string, { message, config, from, body, random, cloudCustomData }: Parts): Record<string, unknown> {
  const sender = from === undefined ? {} : { From_Account: from };
  const sentAt = Math.floor(Date.parse(message.sentAt) / 1000);
  const silent = config.silent ? { OfflinePushInfo: { PushFlag: 1 } } : {};
  switch (endpoint) {
    case 'sendmsg':
      return { SyncOtherMachine: config.syncOtherMachine ? 1 : 2, ...sender, To_Account: to, MsgRandom: random, MsgBody: body, CloudCustomData: cloudCustomData, ...silent };
    case 'send_group_msg':
      return { GroupId: to, Random: random, ...sender, MsgBody: body, CloudCustomData: cloudCustomData, ...silent };
    case 'importmsg':
      // SyncFromOldSystem 2: a historical message (no unread count, no notification), at its original time.
      return { SyncFromOldSystem: 2, ...sender, To_Account: to, MsgRandom: random, MsgTimeStamp: sentAt, MsgBody: body, CloudCustomData: cloudCustomData };
    case 'import_group_msg':
      return { GroupId: to, RecentContactFlag: 0, MsgList: [{ ...sender, SendTime: sentAt, Random: random, MsgBody: body, CloudCustomData: cloudCustomData }] };
  }
}
