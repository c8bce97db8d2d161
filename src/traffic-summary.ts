import type { Registry } from 'prom-client';
import type { SpoolSnapshot } from './pipeline/pressure';

/** Running totals the summary compares: callbacks by outcome, events delivered per sink by outcome, pending per sink. */
export interface TrafficTotals {
  readonly callbacks: Readonly<Record<string, number>>;
  readonly deliveries: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly backlog: Readonly<Record<string, number>>;
}

/** Reads the totals from the service's metrics and the latest spool snapshot (no query of the spool). */
export async function readTraffic(registry: Registry, snapshot: Pick<SpoolSnapshot, 'backlog'>): Promise<TrafficTotals> {
  const callbacks: Record<string, number> = {};
  for (const { labels, value } of (await registry.getSingleMetric('imgw_callbacks_total')?.get())?.values ?? []) {
    const outcome = String(labels.outcome);
    callbacks[outcome] = (callbacks[outcome] ?? 0) + value;
  }
  const deliveries: Record<string, Record<string, number>> = {};
  for (const { labels, value } of (await registry.getSingleMetric('imgw_sink_deliveries_total')?.get())?.values ?? []) {
    const sink = (deliveries[String(labels.sink)] ??= {});
    sink[String(labels.outcome)] = (sink[String(labels.outcome)] ?? 0) + value;
  }
  return { callbacks, deliveries, backlog: Object.fromEntries(snapshot.backlog.map((row) => [row.sink, row.pending])) };
}

/** `now - before` per key, leaving out keys that did not change. */
function growth(now: Readonly<Record<string, number>>, before: Readonly<Record<string, number>> = {}): Record<string, number> {
  return Object.fromEntries(Object.entries(now).flatMap(([key, value]) => (value > (before[key] ?? 0) ? [[key, value - (before[key] ?? 0)]] : [])));
}

/**
 * A one-line `info` summary of the traffic since the last one, at most every `intervalMs` of the
 * service's clock and only when something happened (a callback answered or an event written):
 * callbacks by outcome, events per sink by write outcome, and the backlog per sink now. `tick` is
 * called often (every second); it reads and logs only when the interval has passed.
 */
export function createTrafficSummary(options: {
  readonly intervalMs: number;
  readonly clock: () => number;
  readonly read: () => Promise<TrafficTotals>;
  readonly log: (fields: Record<string, unknown>, message: string) => void;
}) {
  let since = options.clock();
  let previous: TrafficTotals = { callbacks: {}, deliveries: {}, backlog: {} };
  return {
    async tick(): Promise<void> {
      const now = options.clock();
      if (now - since < options.intervalMs) return;
      const totals = await options.read();
      const seconds = Math.round((now - since) / 1000);
      const callbacks = growth(totals.callbacks, previous.callbacks);
      const deliveries = Object.fromEntries(
        Object.entries(totals.deliveries).flatMap(([sink, outcomes]) => {
          const grown = growth(outcomes, previous.deliveries[sink]);
          return Object.keys(grown).length > 0 ? [[sink, grown]] : [];
        }),
      );
      since = now;
      previous = totals;
      if (Object.keys(callbacks).length === 0 && Object.keys(deliveries).length === 0) return;
      options.log({ seconds, callbacks, deliveries, backlog: totals.backlog }, `traffic in the last ${seconds} s`);
    },
  };
}
