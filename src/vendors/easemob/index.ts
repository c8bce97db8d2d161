import { withRelayMarker } from '../relay-check';
import { defineVendor, type CallbackHead, type StoredHead, type Vendor } from '../vendor';
import { typedChatTypes } from './callbacks';
import { authenticateEasemob, easemobIntake } from './intake';
import { easemobReply } from './reply';
import { easemobEnv, easemobSettings, easemobWarnings, type EasemobCallbackSettings } from './settings';

const labels: readonly string[] = [...typedChatTypes, 'other'];

/** Only the content type is worth keeping: Easemob sends no signature header (`security` is in the body). */
function storedHead(head: CallbackHead): StoredHead {
  const contentType = head.headers['content-type'];
  return contentType === undefined ? {} : { headers: { 'content-type': contentType.slice(0, 200) } };
}

function createEasemobVendor(settings: EasemobCallbackSettings, relayKeys: readonly string[]): Vendor {
  return {
    name: 'easemob',
    authenticates: 'body',
    authenticate: (_head, body, nowMs) => authenticateEasemob(body, settings, nowMs),
    toEvent: (_head, body, receivedAt) => withRelayMarker(easemobIntake(body, receivedAt), relayKeys),
    // The chat_type is in the body; before it is read the label is `other`.
    label: () => 'other',
    labels,
    reply: (outcome) => easemobReply(outcome),
    storedHead,
  };
}

/** Easemob (环信, Agora Chat) post-send callbacks: `POST /easemob/callback`. */
export const easemobVendor = defineVendor({
  name: 'easemob',
  env: easemobEnv,
  secretFiles: ['EASEMOB_CALLBACK_SECRETS'],
  settings: easemobSettings,
  warnings: easemobWarnings,
  create: (settings, deps) => createEasemobVendor(settings, deps.relayKeys),
});
