import type { Event, EventOrigin } from '../events/event';
import type { Intake, Vendor } from './vendor';

/**
 * Makes a stored event again from what the spool kept of it: the vendor's own mapping (`toEvent`) on
 * the body, the request head as kept (secrets redacted, which no mapping reads) and the receive time,
 * plus the attributes the intake added. Vendors are pure, so this is the event the callback made.
 * Undefined when the vendor is not configured here or its mapping no longer makes an event of the body.
 */
export function createDeriver(vendors: readonly Vendor[]): (origin: EventOrigin, data: string, receivedAt: number) => Event | undefined {
  const byName = new Map(vendors.map((vendor) => [vendor.name, vendor]));
  return (origin, data, receivedAt) => {
    const vendor = byName.get(origin.vendor);
    if (vendor === undefined) return undefined;
    const head = { query: new URLSearchParams(origin.head.query ?? ''), headers: origin.head.headers ?? {} };
    let intake: Intake;
    try {
      intake = vendor.toEvent(head, Buffer.from(data), receivedAt);
    } catch {
      // A head the mapping refuses (admission checked it when the callback came, not the mapping).
      return undefined;
    }
    if (intake.kind !== 'event') return undefined;
    return origin.added === undefined ? intake.event : { ...intake.event, attributes: { ...intake.event.attributes, ...origin.added } };
  };
}
