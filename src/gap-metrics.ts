import { Counter, Gauge, type Registry } from 'prom-client';
import { gapKinds, type GapKind, type GapSummary } from './pipeline/spool/gaps';

/** What the gap gauges read at scrape time (kept in memory by the spool's gap store). */
export interface GapSource {
  readonly summary: GapSummary;
}
const kinds = gapKinds;

/**
 * The gap metrics (part of `createMetrics`): gaps found by kind, how many are still open, how old the
 * oldest open one is and how long the backfill has left one open, and how many could not be filled —
 * the alerts fire on those.
 */
export function createGapMetrics(registers: Registry[], clock: () => number) {
  const detected = new Counter({
    name: 'imgw_gaps_detected_total',
    help: 'Windows of possibly missed messages recorded: outage = the gateway was down (every vendor), sequence = Tencent group MsgSeq numbers that never arrived, window = a time window to read back from one vendor\'s history (an outage, or asked by hand), hour = an hour of Easemob history to reconcile.',
    labelNames: ['kind'] as const,
    registers,
  });
  for (const kind of kinds) detected.inc({ kind }, 0);
  const outage = new Gauge({
    name: 'imgw_last_outage_seconds',
    help: 'Length of the gateway outage recorded at the last start (from the last alive note to the start); 0 when none.',
    registers,
  });
  const backfilled = new Counter({
    name: 'imgw_backfilled_messages_total',
    help: 'Messages read from a vendor history API, by vendor, API and what the intake made of them: accepted = missing until now, duplicate = already stored, placeholder = deleted, recalled or expired at the vendor.',
    labelNames: ['vendor', 'api', 'outcome'] as const,
    registers,
  });
  const apiErrors = new Counter({
    name: 'imgw_backfill_api_errors_total',
    help: 'Failed calls to a vendor history API (refused, unreachable, or an answer that could not be read), by vendor and API.',
    labelNames: ['vendor', 'api'] as const,
    registers,
  });
  // The history APIs the gateway reads, so their series exist (at 0) before the first backfill.
  for (const [vendor, api] of [['tencent', 'tencent/group_msg_get_simple'], ['tencent', 'tencent/admin_getroammsg'], ['netease', 'netease/history']] as const) {
    for (const outcome of ['accepted', 'duplicate', 'placeholder']) backfilled.inc({ vendor, api, outcome }, 0);
    apiErrors.inc({ vendor, api }, 0);
  }
  let source: GapSource | undefined;
  new Gauge({
    name: 'imgw_gaps_open',
    help: 'Gaps recorded and not yet filled from the vendor history or found unfillable, by kind.',
    labelNames: ['kind'] as const,
    registers,
    collect() {
      for (const kind of kinds) this.set({ kind }, source?.summary[kind].open ?? 0);
    },
  });
  new Gauge({
    name: 'imgw_gap_oldest_open_seconds',
    help: 'Age of the start of the oldest open gap, by kind (0 when none is open).',
    labelNames: ['kind'] as const,
    registers,
    collect() {
      for (const kind of kinds) {
        const from = source?.summary[kind].oldestOpenFrom;
        this.set({ kind }, from === undefined ? 0 : Math.max(0, (clock() - from) / 1000));
      }
    },
  });
  new Gauge({
    name: 'imgw_gap_open_longest_seconds',
    help: 'Time since the open gap recorded first was recorded, by kind (0 when none is open): how long the backfill has left it unread, whatever window of time it covers.',
    labelNames: ['kind'] as const,
    registers,
    collect() {
      for (const kind of kinds) {
        const at = source?.summary[kind].firstOpenDetectedAt;
        this.set({ kind }, at === undefined ? 0 : Math.max(0, (clock() - at) / 1000));
      }
    },
  });
  new Gauge({
    name: 'imgw_gaps_unfillable',
    help: 'Gaps kept in the spool whose messages could not be read back (the vendor keeps no history for them, or refused for good) or that an operator settled as lost, by kind; it only grows, and an increase is a gap whose messages may be missing for good.',
    labelNames: ['kind'] as const,
    registers,
    collect() {
      for (const kind of kinds) this.set({ kind }, source?.summary[kind].unfillable ?? 0);
    },
  });
  return {
    verbs: {
      /** Gaps were recorded. */
      gapsDetected(kind: GapKind, count = 1): void {
        detected.inc({ kind }, count);
      },
      /** The outage recorded at this start, in seconds (0: none). */
      outageAtStart(seconds: number): void {
        outage.set(seconds);
      },
      /** Messages read from a history API, by outcome. */
      backfilled(vendor: string, api: string, counts: Readonly<Record<string, number>>): void {
        for (const [outcome, n] of Object.entries(counts)) if (n > 0) backfilled.inc({ vendor, api, outcome }, n);
      },
      backfillApiError(vendor: string, api: string): void {
        apiErrors.inc({ vendor, api });
      },
      /** The open-gap gauges read the gap store's summary at scrape time. */
      watchGaps(gapSource: GapSource): void {
        source = gapSource;
      },
    },
  };
}
