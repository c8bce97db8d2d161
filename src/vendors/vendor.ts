import type { z } from 'zod';
import type { Intake, Outcome, StoredHead } from '../events/intake';

export type { IgnoredReason, Intake, MessageFacts, Outcome, StoredHead } from '../events/intake';

/**
 * The vendor contract (DESIGN.md decision 11): the twin of the sink contract. The shared HTTP code owns
 * the route `POST /<name>/callback`, the body size cap, the per-vendor rate limit, the spool commit,
 * quarantine, direct mode, metrics and logs. A vendor only authenticates, maps a body to an event and
 * renders its own replies. Implementations are pure: no Express, no spool, no metrics.
 */

/** What a vendor may read of a request. Header names are lower-case; a repeated header is joined by ", ". */
export interface CallbackHead {
  readonly query: URLSearchParams;
  readonly headers: Readonly<Record<string, string | undefined>>;
}

export interface VendorReply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** An object is sent as JSON; a string as text/plain. */
  readonly body: string | object;
}

/** An IM vendor that calls the gateway. */
export interface Vendor {
  /** `tencent` | `netease` | `easemob`: the route `/<name>/callback`, the `vendor` label, the quarantine key. */
  readonly name: string;
  /** `head`: checked before the body is read (Tencent Sign). `body`: needs the raw bytes (NetEase MD5, Easemob security). */
  readonly authenticates: 'head' | 'body';
  /**
   * Throws a `CallbackError` (`bad_query`, `auth_failed`, `app_not_allowed`) unless the request is
   * genuine and allowed. `body` is given only to vendors that authenticate over it. Constant-time compares.
   */
  authenticate(head: CallbackHead, body: Buffer | undefined, nowMs: number): void;
  /** Parses, validates and maps an authenticated body; never throws for bad content. Also used by `quarantine redrive`. */
  toEvent(head: CallbackHead, body: Buffer, receivedAt: number): Intake;
  /** The bounded command label known before the body is mapped (for early failures): a label in `labels`. */
  label(head: CallbackHead): string;
  /** Every label this vendor can give (metrics stay in a closed set). */
  readonly labels: readonly string[];
  /** The only renderer of this vendor's replies, successes and failures alike (fail-open and ban-avoidance policy live here). */
  reply(outcome: Outcome, head: CallbackHead | undefined): VendorReply;
  /** What to keep of the head with a quarantined body; secrets redacted. */
  storedHead(head: CallbackHead): StoredHead;
}

/**
 * A vendor as the registry knows it: its settings fragment of the one configuration schema, and how
 * to build it. `settings` returns undefined when the vendor is not configured (its route then answers
 * 404 with a hint).
 */
export interface VendorModule<Shape extends z.ZodRawShape = z.ZodRawShape, Settings = unknown> {
  readonly name: string;
  /** Environment variables of this vendor, merged into the one environment schema (the README table stays generated). */
  readonly env: Shape;
  /** Variables that may instead come from a file named by `<NAME>_FILE` (Kubernetes secret mounts). */
  readonly secretFiles: readonly string[];
  settings(env: z.output<z.ZodObject<Shape>>): Settings | undefined;
  /** Startup warnings about weak settings (e.g. no allow-list). */
  warnings(settings: Settings | undefined): readonly string[];
  create(settings: Settings, deps: VendorDeps): Vendor;
}

/** What every vendor is built with besides its own settings. */
export interface VendorDeps {
  readonly clock: () => number;
  /** RELAY_KEY: the keys a relay marker may be signed with (empty: no marker is ours). */
  readonly relayKeys: readonly string[];
}

/** Types a vendor module (keeps `settings` and `create` in step). */
export function defineVendor<Shape extends z.ZodRawShape, Settings>(module: VendorModule<Shape, Settings>): VendorModule<Shape, Settings> {
  return module;
}
