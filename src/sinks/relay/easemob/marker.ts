import type { MessageElement, NeutralMessage } from '../../../events/message';
import { relayMarker, relayMarkerKey, type RelayCopy } from '../../../events/relay-marker';
import type { Endpoint } from './limiter';
import type { Mapped } from './mapping';

/**
 * The relay marker of one Easemob send (events/relay-marker.ts): one MAC per recipient, over the copy
 * as Easemob's post-send callback will show it, so that callback verifies and is not stored again.
 * Easemob sends as `admin` when no `from` is given; group and chat-room callbacks name the group or
 * room in `group_id`.
 */
export function markedExt(message: NeutralMessage, endpoint: Endpoint, from: string | undefined, to: readonly string[], mapped: Mapped, keys: readonly string[]): Record<string, unknown> {
  const elements = [echoOf(mapped)];
  const copies: RelayCopy[] = to.map((id) => ({ from: from ?? 'admin', to: { kind: endpoint === 'users' ? 'user' : 'group', id }, elements }));
  return { [relayMarkerKey]: relayMarker(message, copies, keys) };
}

/**
 * The neutral element the gateway's Easemob intake makes of this body when Easemob calls back with it
 * (vendors/easemob/bodies.ts), as far as the marker binds it (`contentOf`): the text, the URL, the
 * place (coordinates come back as numbers), the custom event and its fields.
 */
export function echoOf({ type, body }: Mapped): MessageElement {
  const str = (field: string) => (typeof body[field] === 'string' ? (body[field] as string) : undefined);
  switch (type) {
    case 'txt':
      return { kind: 'text', vendorType: type, text: str('msg') ?? '' };
    case 'img':
      return { kind: 'image', vendorType: type, images: [{ url: str('url') ?? '' }] };
    case 'audio':
    case 'video':
    case 'file':
      return { kind: type, vendorType: type, url: str('url') };
    case 'loc':
      return { kind: 'location', vendorType: type, latitude: Number(str('lat')), longitude: Number(str('lng')), description: str('addr') };
    case 'custom': {
      const exts = body.customExts as Record<string, string> | undefined;
      return { kind: 'custom', vendorType: type, event: str('customEvent'), ...(exts && Object.keys(exts).length > 0 ? { exts } : {}) };
    }
    default:
      return { kind: 'unknown', vendorType: type };
  }
}
