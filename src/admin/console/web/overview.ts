import { get, type SessionInfo } from './api.js';
import { lineChart } from './chart.js';
import { fill, h, notice, table } from './dom.js';
import { age, bytes, rate } from './format.js';

interface Sample {
  readonly at: number;
  readonly values: Readonly<Record<string, number>>;
}
interface Overview {
  readonly pods: readonly { pod: string; ok: boolean; error?: string; events?: number }[];
  readonly events: number;
  readonly storedBytes: number;
  readonly quarantined: number;
  readonly sinks: readonly { sink: string; pending: number; oldestReceivedAt?: number; dead: number }[];
  readonly samples: readonly Sample[];
  readonly partial: boolean;
}

/** Sums a sample's values whose key starts with `prefix|` and matches `filter` on the remaining parts. */
const total = (sample: Sample | undefined, prefix: string, match: (parts: string[]) => boolean = () => true) =>
  Object.entries(sample?.values ?? {}).reduce((sum, [key, value]) => {
    const parts = key.split('|');
    return parts[0] === prefix && match(parts.slice(1)) ? sum + value : sum;
  }, 0);

/** The overview: refreshed every second; the last hour of samples is kept in the page and extended. */
export function overviewPage(main: HTMLElement, session: SessionInfo): () => void {
  let samples: Sample[] = [];
  let stopped = false;
  async function refresh(): Promise<void> {
    const since = samples[samples.length - 1]?.at;
    const data = await get<Overview>(`overview${since === undefined ? '' : `?since=${since}`}`);
    const cut = Date.now() - 3600_000;
    samples = [...samples, ...data.samples].filter((s) => s.at >= cut);
    if (!stopped) render(main, session, data, samples);
  }
  const loop = (): void => {
    if (stopped) return;
    refresh().catch((error: Error) => fill(main, notice(`Overview unavailable: ${error.message}`, 'error'))).finally(() => {
      if (!stopped) timer = setTimeout(loop, 1000);
    });
  };
  let timer = setTimeout(loop, 0);
  return () => ((stopped = true), clearTimeout(timer));
}

function render(main: HTMLElement, session: SessionInfo, data: Overview, samples: readonly Sample[]): void {
  const last = samples[samples.length - 1];
  const now = Date.now();
  const vendors = [...new Set(Object.keys(last?.values ?? {}).filter((k) => k.startsWith('callbacks|')).map((k) => k.split('|')[1] ?? ''))].sort();
  const outcome = (vendor: string, o: string) => rate(total(last, 'callbacks', ([v, out]) => v === vendor && out === o));
  const refused = (vendor: string) =>
    Object.entries(last?.values ?? {}).filter(([k, v]) => k.startsWith(`refused|${vendor}|`) && v > 0).map(([k, v]) => `${k.split('|')[2]} ${rate(v)}`).join(', ') || 'none';
  const series = (prefix: string, match?: (parts: string[]) => boolean) => samples.map((s) => ({ at: s.at, value: total(s, prefix, match) }));
  const podsDown = data.pods.filter((p) => !p.ok);
  fill(
    main,
    h('h1', {}, 'Overview'),
    data.partial && notice(`Partial: ${podsDown.map((p) => `${p.pod} (${p.error ?? 'no answer'})`).join(', ')} did not answer; figures cover the other pods.`, 'warn'),
    h('p', { class: 'summary' }, `${data.pods.length} pod(s) · ${data.events} events stored (${bytes(data.storedBytes)}) · ${data.quarantined} quarantined`,
      session.grafanaUrl && h('a', { href: session.grafanaUrl, rel: 'noopener noreferrer', target: '_blank', class: 'grafana' }, 'Grafana dashboard')),
    table('Callbacks per vendor (per second, last second)', ['Vendor', 'Callbacks/s', 'Accepted', 'Duplicate', 'Quarantined', 'Refused by reason'],
      vendors.map((v) => [v, rate(total(last, 'callbacks', ([vv]) => vv === v)), outcome(v, 'accepted'), outcome(v, 'duplicate'), outcome(v, 'quarantined'), refused(v)])),
    table('Sinks', ['Sink', 'Backlog', 'Oldest pending', 'Delivered/s', 'Circuit', 'Reachable', 'Dead letters'],
      data.sinks.map((s) => {
        const open = total(last, 'circuit_open', ([k]) => k === s.sink);
        const reachable = total(last, 'reachable', ([k]) => k === s.sink);
        return [s.sink, s.pending, age(s.oldestReceivedAt, now), rate(total(last, 'deliveries', ([k, o]) => k === s.sink && o === 'ok')),
          h('span', { class: open > 0 ? 'badge bad' : 'badge ok' }, open > 0 ? `open on ${open} pod(s)` : 'closed'),
          `${reachable} of ${data.pods.length - podsDown.length}`, s.dead > 0 ? h('a', { href: `#/dead?sink=${encodeURIComponent(s.sink)}` }, String(s.dead)) : '0'];
      })),
    h('section', { class: 'charts', 'aria-label': 'Last hour' },
      lineChart('Callbacks', series('callbacks'), now, '/s'),
      lineChart('Delivered', series('deliveries', ([, o]) => o === 'ok'), now, '/s'),
      lineChart('Backlog', series('pending'), now, 'events'),
      lineChart('Refused', series('refused'), now, '/s')),
  );
}
