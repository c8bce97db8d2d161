import { createAcceptor } from '../pipeline/accept';
import type { Spool } from '../pipeline/spool';
import type { Vendor } from '../vendors/vendor';
import type { BackfillIntake } from './fill-sequence-gaps';

/**
 * The intake of fetched messages, for any configured vendor by name: the body (and query) the
 * vendor's callback would have carried goes through that vendor's mapping and the same acceptor as a
 * callback, so it gets the callback's event id (a late callback or a second fill is a duplicate),
 * marked with the attribute `backfill=<api>`. A vendor that is not configured makes it `invalid`.
 */
export function createBackfillIntake(deps: { spool: Spool; vendors: readonly Vendor[]; clock: () => number }): BackfillIntake {
  const accept = createAcceptor({ spool: deps.spool });
  return async (vendorName, api, query, body) => {
    const vendor = deps.vendors.find((v) => v.name === vendorName);
    if (vendor === undefined) return 'invalid';
    const raw = Buffer.from(JSON.stringify(body));
    const receivedAt = deps.clock();
    const made = vendor.toEvent({ query, headers: {} }, raw, receivedAt);
    const marked = made.kind === 'event' ? { ...made, event: { ...made.event, attributes: { ...made.event.attributes, backfill: api } } } : made;
    const outcome = await accept(marked, { vendor: vendor.name, head: () => vendor.storedHead({ query, headers: {} }), body: raw, receivedAt });
    return outcome.kind === 'accepted' || outcome.kind === 'duplicate' || outcome.kind === 'ignored' ? outcome.kind : 'invalid';
  };
}
