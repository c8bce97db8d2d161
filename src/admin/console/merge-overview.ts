import type { SpoolStats } from '../../pipeline/admin-store';
import type { Sample } from '../samples';
import type { PodAnswer } from './fleet';

/** What one pod tells the overview: its spool figures and its samples since the browser's last look. */
export interface PodOverview {
  readonly stats: SpoolStats;
  readonly samples: readonly Sample[];
}

export interface SinkSummary {
  readonly sink: string;
  readonly pending: number;
  /** The oldest pending event's receipt time across the fleet. */
  readonly oldestReceivedAt?: number;
  readonly dead: number;
}

export interface FleetOverview {
  readonly pods: readonly { readonly pod: string; readonly ok: boolean; readonly error?: string; readonly events?: number }[];
  readonly events: number;
  readonly storedBytes: number;
  readonly quarantined: number;
  readonly sinks: readonly SinkSummary[];
  /** Fleet samples: each second's values summed over the pods that answered (a circuit count is "pods open"). */
  readonly samples: readonly Sample[];
  /** True when some pod did not answer: every figure then covers only the pods that did. */
  readonly partial: boolean;
}

/** Sums the pods' figures; sink by sink; samples by whole second, so pods' ticks a few ms apart line up. */
export function mergeOverview(answers: readonly PodAnswer<PodOverview>[]): FleetOverview {
  const ok = answers.flatMap((a) => (a.ok ? [a.data] : []));
  const sinks = new Map<string, { pending: number; oldestReceivedAt?: number; dead: number }>();
  for (const { stats } of ok) {
    for (const s of stats.sinks) {
      const into = sinks.get(s.sink) ?? { pending: 0, dead: 0 };
      into.pending += s.pending;
      into.dead += s.dead;
      if (s.oldestReceivedAt !== undefined) into.oldestReceivedAt = Math.min(into.oldestReceivedAt ?? Infinity, s.oldestReceivedAt);
      sinks.set(s.sink, into);
    }
  }
  return {
    pods: answers.map((a) => (a.ok ? { pod: a.pod, ok: true, events: a.data.stats.events } : { pod: a.pod, ok: false, error: a.error })),
    events: sum(ok.map((o) => o.stats.events)),
    storedBytes: sum(ok.map((o) => o.stats.storedBytes)),
    quarantined: sum(ok.map((o) => o.stats.quarantined)),
    sinks: [...sinks].map(([sink, s]) => ({ sink, ...s })).sort((a, b) => (a.sink < b.sink ? -1 : 1)),
    samples: mergeSamples(ok.map((o) => o.samples)),
    partial: ok.length < answers.length,
  };
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

export function mergeSamples(perPod: readonly (readonly Sample[])[]): Sample[] {
  const bySecond = new Map<number, Record<string, number>>();
  for (const samples of perPod) {
    for (const sample of samples) {
      const second = Math.floor(sample.at / 1000) * 1000;
      const into = bySecond.get(second) ?? {};
      for (const [key, value] of Object.entries(sample.values)) {
        // The oldest pending event of the fleet is the oldest of any pod; every other series adds up.
        into[key] = key.startsWith('oldest|') ? Math.max(into[key] ?? 0, value) : (into[key] ?? 0) + value;
      }
      bySecond.set(second, into);
    }
  }
  return [...bySecond].sort(([a], [b]) => a - b).map(([at, values]) => ({ at, values }));
}
