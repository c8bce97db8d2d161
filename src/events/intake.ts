import type { FailureReason, QuarantineReason } from '../errors';
import type { Event } from './event';

/*
 * What a vendor hands to the pipeline and what comes back (the vendor contract in
 * src/vendors/vendor.ts uses these; the pipeline reads them without knowing any vendor).
 */

/** What of a request head is kept beside a quarantined body (secrets redacted), and given back on redrive. */
export interface StoredHead {
  /** The query string without `?`, secrets replaced by `redacted`. */
  readonly query?: string;
  /** The vendor's headers by lower-case name, secrets replaced by `redacted`. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** What the metrics want to know about an accepted message. Every value is bounded (a closed set or a number). */
export interface MessageFacts {
  /** Client platform label: a closed set per vendor, else `other`. */
  readonly platform: string;
  /** Element type labels: the vendor's known types, else `other`. */
  readonly msgTypes: readonly string[];
  readonly sendFailed: boolean;
  /** Seconds from the vendor's send time to receipt. */
  readonly lagSeconds?: number;
  /** Recipient's unread count, where the vendor reports it. */
  readonly unread?: number;
  /** The message carries a relay marker that does not verify: user content posing as the relay's (stored as usual). */
  readonly forgedRelayMarker?: boolean;
}

/** What an authenticated body becomes. `label` is the bounded command label for metrics. */
export type Intake =
  | { readonly kind: 'event'; readonly label: string; readonly event: Event; readonly facts: MessageFacts }
  /** Nothing to store, answered as success: a console probe, or a message this gateway relayed itself. */
  | { readonly kind: 'ignored'; readonly label: string; readonly why: IgnoredReason }
  /** Kept raw in quarantine with the reason, answered as success. */
  | { readonly kind: 'invalid'; readonly label: string; readonly reason: QuarantineReason; readonly detail: string };

/** Why a request was answered without storing anything; the `reason` label of `imgw_callbacks_ignored_total`. */
export type IgnoredReason = 'probe' | 'relayed';

/** How the gateway handled a callback, for the vendor to put into its reply format. */
export type Outcome =
  | { readonly kind: 'accepted' | 'duplicate' | 'ignored' }
  | { readonly kind: 'quarantined'; readonly detail: string }
  | { readonly kind: 'failed'; readonly reason: FailureReason; readonly info: string; readonly retryAfterSeconds?: number };
