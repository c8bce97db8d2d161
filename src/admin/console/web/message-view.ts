/**
 * A neutral message as a person reads it: text as text; images, files, audio, video and places as
 * labelled links (the browser opens them only when clicked; the gateway never fetches them). No DOM
 * here, so the rules are unit-tested in Node.
 */
export type Part = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'link'; readonly label: string; readonly href: string } | { readonly kind: 'note'; readonly text: string };

interface Element {
  readonly kind: string;
  readonly [field: string]: unknown;
}
export interface NeutralView {
  readonly conversation?: string;
  readonly from?: string;
  readonly to?: string;
  readonly groupId?: string;
  readonly sentAt?: string;
  readonly elements?: readonly Element[];
}

/** Only web links become links: a `javascript:` or `data:` URL in a message stays inert text. */
export function safeHref(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

function media(label: string, url: unknown, detail?: string): Part {
  const href = safeHref(url);
  const text = detail ? `${label}: ${detail}` : label;
  return href === undefined ? { kind: 'note', text: `[${text}]` } : { kind: 'link', label: text, href };
}

function elementParts(e: Element): Part {
  switch (e.kind) {
    case 'text':
      return { kind: 'text', text: str(e['text']) ?? '' };
    case 'image': {
      const images = Array.isArray(e['images']) ? (e['images'] as { url?: unknown }[]) : [];
      return media('Image', images[0]?.url, str(e['name']));
    }
    case 'file':
      return media('File', e['url'], str(e['name']));
    case 'audio':
      return media('Voice message', e['url'], typeof e['durationSeconds'] === 'number' ? `${e['durationSeconds']} s` : undefined);
    case 'video':
      return media('Video', e['url']);
    case 'location': {
      const lat = Number(e['latitude']);
      const lon = Number(e['longitude']);
      const place = `${str(e['description']) ?? 'Location'} (${lat.toFixed(5)}, ${lon.toFixed(5)})`;
      return { kind: 'link', label: `Location: ${place}`, href: `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=16/${lat}/${lon}` };
    }
    case 'face':
      return { kind: 'note', text: '[Sticker]' };
    case 'merged':
      return { kind: 'note', text: `[Forwarded messages${str(e['title']) ? `: ${str(e['title'])}` : ''}]` };
    case 'custom':
      return { kind: 'note', text: `[Custom: ${str(e['description']) ?? str(e['data'])?.slice(0, 80) ?? ''}]` };
    default:
      return { kind: 'note', text: `[${str(e['vendorType']) ?? e.kind}]` };
  }
}

export const messageParts = (message: NeutralView): Part[] => (message.elements ?? []).map(elementParts);

/** "alice → bob", "alice in group g1". */
export function conversationLabel(message: NeutralView): string {
  const from = message.from ?? '?';
  if (message.conversation === 'one-to-one') return `${from} → ${message.to ?? '?'}`;
  return `${from} in ${message.conversation === 'chatroom' ? 'room' : 'group'} ${message.groupId ?? '?'}`;
}

/** The neutral message inside an event (JSON text), or undefined for non-message events. */
export function neutralOf(event: { readonly message?: unknown }): NeutralView | undefined {
  if (typeof event.message === 'object' && event.message !== null) return event.message as NeutralView;
  if (typeof event.message !== 'string') return undefined;
  try {
    return JSON.parse(event.message) as NeutralView;
  } catch {
    return undefined;
  }
}
