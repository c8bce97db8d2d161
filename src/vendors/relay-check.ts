import type { Intake } from '../events/intake';
import type { NeutralMessage } from '../events/message';
import { relayMarkerKey, relayVerdict } from '../events/relay-marker';

/**
 * Applies the relay marker to what a vendor made of a callback. A message whose marker verifies under
 * one of `relayKeys` was sent by this gateway's relay: it is answered as success and not stored
 * (`ignored`, reason `relayed`), so it is never archived twice nor relayed back. A marker that does not
 * verify (malformed, wrongly signed, copied from another message, or no key configured) is ordinary
 * user content: the event is kept as it is, flagged so the metrics count it.
 */
export function withRelayMarker(intake: Intake, relayKeys: readonly string[]): Intake {
  // Cheap test first: the marker key must appear in the neutral message's text at all.
  if (intake.kind !== 'event' || intake.event.message === undefined || !intake.event.message.includes(relayMarkerKey)) return intake;
  const verdict = relayVerdict(JSON.parse(intake.event.message) as NeutralMessage, relayKeys);
  if (verdict === 'ours') return { kind: 'ignored', label: intake.label, why: 'relayed' };
  if (verdict === 'forged') return { ...intake, facts: { ...intake.facts, forgedRelayMarker: true } };
  return intake;
}
