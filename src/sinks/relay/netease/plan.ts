import { hash as sha } from 'node:crypto';
import type { NeutralMessage } from '../../../events/message';
import { relayMarker, relayMarkerKey } from '../../../events/relay-marker';
import { destinationsOf, senderOf, type ConversationTargets, type DestinationKind } from '../conversations';
import { UnmappableError } from '../errors';
import type { RelayStep } from '../runner';
import { echoOf, neteaseMessages } from './elements';
import type { Endpoint } from './limiter';

/** One NetEase send of a relayed message: the form fields of its API. */
export interface Step extends RelayStep {
  readonly endpoint: Endpoint;
  readonly form: Readonly<Record<string, string>>;
}

export interface PlanSettings {
  readonly from?: string;
  readonly targets: ConversationTargets;
}

/** `body` (the message JSON) is at most 5,000 characters and `ext` 1,024 (sendMsg.action). */
export const maxBodyChars = 5000;
export const maxExtChars = 1024;

const endpointOf: Readonly<Record<DestinationKind, Endpoint>> = { user: 'p2p', group: 'team', chatroom: 'chatroom' };

/**
 * Every send of one message (none when its sender is skipped): per destination, one send per element
 * in order; a user or team through `msg/sendMsg.action` (`ope` 0 or 1), a chat room through
 * `chatroom/sendMsg.action` with a `msgId` derived from the send (NetEase's clients drop a repeated
 * msgId). Each carries the signed relay marker in `ext`, over the copy as NetEase's message copy shows it.
 */
export function planSends(message: NeutralMessage, config: PlanSettings, relayKeys: readonly string[]): Step[] {
  const sender = senderOf(message, config.targets, config.from, 'NetEase');
  if (sender === 'skip') return [];
  if (sender.from === '') throw new UnmappableError('NetEase needs a sender account (from); the message has none');
  const messages = neteaseMessages(message);
  const steps: Step[] = [];
  const seen = new Map<string, number>();
  for (const destination of destinationsOf(message, config.targets, 'NetEase')) {
    for (const mapped of messages) {
      const copy = { from: sender.from, to: { kind: destination.kind === 'user' ? ('user' as const) : ('group' as const), id: destination.id }, elements: [echoOf(mapped)] };
      const ext = JSON.stringify({ [relayMarkerKey]: relayMarker(message, [copy], relayKeys) });
      const body = JSON.stringify(mapped.body);
      if (body.length > maxBodyChars) throw new UnmappableError(`message body is ${body.length} characters, over NetEase's ${maxBodyChars}`);
      if (ext.length > maxExtChars) throw new UnmappableError(`ext with the relay marker is ${ext.length} characters, over NetEase's ${maxExtChars}`);
      const endpoint = endpointOf[destination.kind];
      const hash = sha('sha256', JSON.stringify([endpoint, destination.id, mapped.type, body])).slice(0, 32);
      const occurrence = (seen.get(hash) ?? 0) + 1;
      seen.set(hash, occurrence);
      const key = `${hash}:${occurrence}`;
      const form: Record<string, string> =
        endpoint === 'chatroom'
          ? { roomid: destination.id, msgId: `${message.eventId.slice(0, 64)}-${key}`.slice(0, 128), fromAccid: sender.from, msgType: String(mapped.type), attach: body, ext }
          : { from: sender.from, ope: endpoint === 'p2p' ? '0' : '1', to: destination.id, type: String(mapped.type), body, ext };
      steps.push({ key, endpoint, form });
    }
  }
  return steps;
}
