import { withRelayMarker } from '../relay-check';
import { defineVendor, type Intake, type Vendor } from '../vendor';
import { verifyNeteaseRequest } from './checksum';
import { eventTypeName, neteaseLabels } from './event-types';
import { parseNeteaseBody } from './parse';
import { neteaseReply, neteaseStoredHead } from './reply';
import { appKeyPattern, neteaseEnv, neteaseSettings, neteaseWarnings, type NeteaseSettings } from './settings';
import { neteaseEvent } from './to-event';

/**
 * NetEase CommsEase (Yunxin) message delivery (消息抄送): `POST /netease/callback`, signed over the
 * raw body with MD5 and CheckSum (protocols/netease.md).
 */
export const neteaseVendor = defineVendor({
  name: 'netease',
  env: neteaseEnv,
  secretFiles: ['NETEASE_APP_SECRETS'],
  settings: neteaseSettings,
  warnings: neteaseWarnings,
  create: (settings, deps) => createNeteaseVendor(settings, deps.relayKeys),
});

/** `relayKeys`: RELAY_KEY (a message whose relay marker verifies is ours, answered and not stored). */
export function createNeteaseVendor(settings: NeteaseSettings, relayKeys: readonly string[] = []): Vendor {
  return {
    name: 'netease',
    authenticates: 'body',
    labels: neteaseLabels,
    authenticate(head, body, nowMs) {
      verifyNeteaseRequest(head, body, settings, nowMs);
    },
    toEvent(head, body, receivedAt): Intake {
      const parsed = parseNeteaseBody(body);
      if (parsed.kind === 'probe') return { kind: 'ignored', label: 'probe', why: 'probe' };
      if (parsed.kind === 'invalid') {
        const label = parsed.eventType === undefined ? 'unknown' : eventTypeName(parsed.eventType);
        return { kind: 'invalid', label, reason: parsed.reason, detail: parsed.detail };
      }
      const sent = head.headers.appkey;
      const appId = sent !== undefined && appKeyPattern.test(sent) ? sent : settings.appKey;
      const { event, facts } = neteaseEvent(appId, parsed.event, parsed.text, receivedAt);
      return withRelayMarker({ kind: 'event', label: eventTypeName(parsed.event.eventType), event, facts }, relayKeys);
    },
    label() {
      return 'unknown';
    },
    reply: neteaseReply,
    storedHead: neteaseStoredHead,
  };
}
