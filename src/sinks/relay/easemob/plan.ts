import { hash as sha } from 'node:crypto';
import type { NeutralMessage } from '../../../events/message';
import type { SendRequest } from './client';
import { endpoints, type Endpoint, type SendLimiter } from './limiter';
import { destinationsOf, senderOf, type DestinationKind } from '../conversations';
import { mapMessage, maxMessageBytes, messageBytes, UnmappableError, type RelayElements, type RelayTargets } from './mapping';
import { markedExt } from './marker';

/** One Easemob send of a relayed message. */
export interface Step {
  /** Stays the same however often the event comes (the journal's key): endpoint, recipients, type, body. */
  readonly key: string;
  readonly endpoint: Endpoint;
  readonly request: SendRequest;
}

/** What of the sink's settings the plan reads. */
export interface PlanSettings {
  readonly from?: string;
  readonly targets: RelayTargets;
  readonly elements: RelayElements;
  readonly silent: boolean;
  readonly syncDevice: boolean;
  readonly onlineOnly: boolean;
  readonly chatroomLevel?: string;
}

const endpointOf: Readonly<Record<DestinationKind, Endpoint>> = { user: 'users', group: 'chatgroups', chatroom: 'chatrooms' };

/** Every send of one message (none when its sender is skipped), in order, each marked for its recipients with the first relay key. */
export function planSends(message: NeutralMessage, config: PlanSettings, limiter: Pick<SendLimiter, 'maxRecipients'>, relayKeys: readonly string[]): Step[] {
  const sender = senderOf(message, config.targets, config.from, 'Easemob');
  if (sender === 'skip') return [];
  const bodies = mapMessage(message, config.elements);
  const from = sender.from === '' ? undefined : sender.from.slice(0, 64);
  const recipients: Record<Endpoint, string[]> = { users: [], chatgroups: [], chatrooms: [] };
  for (const { kind, id } of destinationsOf(message, config.targets, 'Easemob')) recipients[endpointOf[kind]].push(id);
  const silent = config.silent ? { em_ignore_notification: true } : {};
  const steps: Step[] = [];
  const seen = new Map<string, number>();
  for (const endpoint of endpoints) {
    for (const to of chunks(recipients[endpoint], limiter.maxRecipients(endpoint))) {
      for (const mapped of bodies) {
        const ext = { ...markedExt(message, endpoint, from, to, mapped, relayKeys), ...silent };
        const bytes = messageBytes(mapped.body, ext);
        if (bytes > maxMessageBytes) throw new UnmappableError(`message is ${bytes} bytes of body and ext, over Easemob's ${maxMessageBytes}-byte limit`);
        const request: SendRequest = {
          ...(from === undefined ? {} : { from }),
          to,
          type: mapped.type,
          body: mapped.body,
          ext,
          ...(endpoint === 'users' && config.syncDevice ? { sync_device: true } : {}),
          ...(config.onlineOnly ? { routetype: 'ROUTE_ONLINE' } : {}),
          ...(endpoint === 'chatrooms' && config.chatroomLevel ? { chatroom_msg_level: config.chatroomLevel } : {}),
        };
        const hash = sha('sha256', JSON.stringify([endpoint, to, mapped.type, mapped.body])).slice(0, 32);
        const occurrence = (seen.get(hash) ?? 0) + 1;
        seen.set(hash, occurrence);
        steps.push({ key: `${hash}:${occurrence}`, endpoint, request });
      }
    }
  }
  return steps;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
