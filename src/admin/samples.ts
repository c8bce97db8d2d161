import type { Registry } from 'prom-client';

/** One second of the gateway, as the console's charts read it: series key → value (a rate per second, or a level). */
export interface Sample {
  readonly at: number;
  readonly values: Readonly<Record<string, number>>;
}

/** Current totals (counters, only ever growing) and levels (gauges), each under a series key. */
export interface Reading {
  readonly totals: ReadonlyMap<string, number>;
  readonly levels: ReadonlyMap<string, number>;
}

export interface SamplerOptions {
  readonly read: () => Reading | Promise<Reading>;
  readonly clock: () => number;
  /** Samples kept: 3,600 one-second samples make the last hour. */
  readonly capacity?: number;
}

/**
 * The last hour of one-second samples, kept in the process (no Prometheus needed). Each tick reads the
 * current totals once and stores their change per second since the previous tick, plus the levels, in a
 * fixed ring: the work per tick does not depend on how much history is kept, and memory is bounded.
 */
export function createSampler(options: SamplerOptions) {
  const capacity = options.capacity ?? 3600;
  const ring: (Sample | undefined)[] = new Array<Sample | undefined>(capacity);
  let written = 0;
  let previous: { at: number; totals: ReadonlyMap<string, number> } | undefined;
  let timer: NodeJS.Timeout | undefined;

  async function tick(): Promise<void> {
    const reading = await options.read();
    const at = options.clock();
    const values: Record<string, number> = {};
    if (previous !== undefined && at > previous.at) {
      const seconds = (at - previous.at) / 1000;
      for (const [key, total] of reading.totals) {
        // A counter that went down was reset (a restart): its new value is what happened since.
        const before = previous.totals.get(key) ?? 0;
        values[key] = (total >= before ? total - before : total) / seconds;
      }
    }
    for (const [key, level] of reading.levels) values[key] = level;
    previous = { at, totals: reading.totals };
    ring[written % capacity] = { at, values };
    written += 1;
  }

  return {
    tick,
    /** Samples taken after `since` (ms), oldest first; all that are kept when `since` is absent. */
    since(since = -Infinity): Sample[] {
      const count = Math.min(written, capacity);
      const out: Sample[] = [];
      for (let i = written - count; i < written; i += 1) {
        const sample = ring[i % capacity];
        if (sample !== undefined && sample.at > since) out.push(sample);
      }
      return out;
    },
    /** Ticks every `intervalMs` of real time until stopped; a failed read skips that second. */
    start(intervalMs = 1000): void {
      timer ??= setInterval(() => void tick().catch(() => undefined), intervalMs);
      timer.unref();
    },
    stop(): void {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
  };
}

export type Sampler = ReturnType<typeof createSampler>;

/** Which metrics feed the overview, and the labels that make each series key (other labels are summed). */
const counters: readonly [string, string, readonly string[]][] = [
  ['imgw_callbacks_total', 'callbacks', ['vendor', 'outcome']],
  ['imgw_callback_errors_total', 'refused', ['vendor', 'reason']],
  ['imgw_sink_deliveries_total', 'deliveries', ['sink', 'outcome']],
];
const gauges: readonly [string, string, readonly string[]][] = [
  ['imgw_spool_pending_events', 'pending', ['sink']],
  ['imgw_spool_oldest_pending_seconds', 'oldest', ['sink']],
  ['imgw_dead_letter_events', 'dead', ['sink']],
  ['imgw_sink_circuit_open', 'circuit_open', ['sink']],
  ['imgw_sink_reachable', 'reachable', ['sink']],
];

/** Reads the overview's series from the gateway's metrics registry; keys look like `callbacks|tencent|accepted`. */
export function registryReading(registry: Registry): () => Promise<Reading> {
  async function collect(table: typeof counters): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const [metric, prefix, labels] of table) {
      const found = registry.getSingleMetric(metric);
      if (found === undefined) continue;
      for (const { value, labels: have } of (await found.get()).values) {
        const key = [prefix, ...labels.map((label) => String(have[label] ?? ''))].join('|');
        out.set(key, (out.get(key) ?? 0) + value);
      }
    }
    return out;
  }
  return async function readRegistry() {
    return { totals: await collect(counters), levels: await collect(gauges) };
  };
}
