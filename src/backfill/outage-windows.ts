import type { Gap, NewGap, OutageSplit } from '../pipeline/spool/gaps';

/**
 * How far a window reaches beyond the outage on each side. Vendors stamp messages with their own
 * clock; the margin covers a skew between theirs and ours, and the moments between the start being
 * recorded and the callback port listening. What the margin brings in twice is absorbed as duplicates.
 */
export const windowMarginMs = 60_000;

export interface OutageWindowOptions {
  /** Outages no longer than this are left as they are (the gaps list keeps them open): a restart is not worth a history read. */
  readonly minOutageMs: number;
  /** Vendors whose history is read for a window (backfill configured for them), in a stable order. */
  readonly vendors: readonly string[];
}

/**
 * Turns an outage into one `window` gap per vendor whose backfill is configured, when it lasted
 * longer than `minOutageMs`; the outage is then settled with a note naming the windows' vendors.
 * Nothing to read (too short, or no vendor configured): the outage stays as it was.
 */
export function outageWindows(options: OutageWindowOptions): OutageSplit {
  return (outage: Gap) => {
    const length = outage.untilAt - outage.fromAt;
    if (length <= options.minOutageMs || options.vendors.length === 0) return undefined;
    const windows: NewGap[] = options.vendors.map((vendor) => ({
      kind: 'window',
      vendor,
      fromAt: outage.fromAt - windowMarginMs,
      untilAt: outage.untilAt + windowMarginMs,
      note: `outage ${outage.gid}`,
    }));
    return { windows, note: `read back as one window per vendor (${options.vendors.join(', ')}), ${windowMarginMs / 1000} s wider on each side` };
  };
}
