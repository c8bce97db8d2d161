import { get, pod, post, qs, routes, type SessionInfo } from './api.js';
import { fill, h, notice, table } from './dom.js';
import { age, settingLines, time } from './format.js';

interface Stats {
  readonly sinks: readonly { sink: string; pending: number; oldestReceivedAt?: number; dead: number }[];
  readonly configuredSinks?: readonly string[];
  readonly pausedSinks?: readonly string[];
}
interface DeadLetter {
  readonly sink: string;
  readonly lastError?: string;
  readonly deadAt: number;
}
interface SinkSettings {
  readonly name: string;
  readonly type: string;
  readonly settings: Readonly<Record<string, unknown>>;
}

/** Each pod's sinks: configured or left over, paused or delivering, backlog, the last errors (from dead letters), and their settings. */
export async function sinksPage(main: HTMLElement, session: SessionInfo): Promise<void> {
  const sections = await Promise.all(session.pods.map(async (name) => {
    const [stats, configured] = await Promise.all([
      get<Stats>(pod(name, routes.stats)).catch((e: Error) => e),
      get<{ items: SinkSettings[] }>(pod(name, routes.sinkSettings)).catch(() => undefined),
    ]);
    if (stats instanceof Error) return h('section', {}, h('h2', {}, `Pod ${name}`), notice(`No answer: ${stats.message}`, 'warn'));
    const rows = await Promise.all(stats.sinks.map((s) => sinkRow(main, session, name, stats, s)));
    return h('section', {}, h('h2', {}, `Pod ${name}`), table(`Sinks of ${name}`, ['Sink', 'State', 'Backlog', 'Oldest pending', 'Dead letters', 'Last errors', ''], rows),
      configured === undefined ? notice('This pod does not show its sink settings.', 'warn') : h('div', { class: 'settings' }, ...configured.items.map((c) => settingsOf(name, c))));
  }));
  fill(main, h('h1', {}, 'Sinks'), notice('Circuit and reachability per sink are on the overview. Secrets in the settings are shown as [redacted].'), ...sections);
}

async function sinkRow(main: HTMLElement, session: SessionInfo, name: string, stats: Stats, s: Stats['sinks'][number]) {
  const dead = await get<{ items: DeadLetter[] }>(pod(name, `${routes.deadLetters}${qs({ sink: s.sink, limit: 3 })}`)).catch(() => ({ items: [] }));
  const paused = stats.pausedSinks?.includes(s.sink) ?? false;
  const configured = stats.configuredSinks?.includes(s.sink) ?? true;
  const toggle = session.role === 'operator' && configured && h('button', { type: 'button', onclick: () => void post(pod(name, paused ? routes.resume(s.sink) : routes.pause(s.sink)), {}).then(() => sinksPage(main, session)) }, paused ? 'Resume' : 'Pause');
  return [s.sink, configured ? (paused ? 'paused' : 'delivering') : 'no longer configured', s.pending, age(s.oldestReceivedAt, Date.now()), s.dead,
    h('ul', { class: 'errors' }, ...dead.items.map((d) => h('li', {}, `${time(d.deadAt)}: ${d.lastError ?? '?'}`))), toggle || ''];
}

/** One sink's settings, open, as name/value lines (nested settings by their dotted path). */
function settingsOf(podName: string, sink: SinkSettings): HTMLElement {
  const lines = settingLines(sink.settings).filter(([key]) => key !== 'type' && key !== 'name');
  return h('details', { open: true }, h('summary', {}, `Settings of ${sink.name} (${sink.type}) on ${podName}`),
    h('dl', {}, ...lines.flatMap(([key, value]) => [h('dt', {}, key), h('dd', {}, value)])));
}
