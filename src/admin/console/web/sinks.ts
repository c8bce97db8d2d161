import { get, pod, post, qs, routes, type SessionInfo } from './api.js';
import { fill, h, notice, table } from './dom.js';
import { age, time } from './format.js';

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

/** Each pod's sinks: configured or left over, paused or delivering, backlog, and the last errors (from dead letters). */
export async function sinksPage(main: HTMLElement, session: SessionInfo): Promise<void> {
  const sections = await Promise.all(session.pods.map(async (name) => {
    const stats = await get<Stats>(pod(name, routes.stats)).catch((e: Error) => e);
    if (stats instanceof Error) return h('section', {}, h('h2', {}, `Pod ${name}`), notice(`No answer: ${stats.message}`, 'warn'));
    const rows = await Promise.all(stats.sinks.map(async (s) => {
      const dead = await get<{ items: DeadLetter[] }>(pod(name, `${routes.deadLetters}${qs({ sink: s.sink, limit: 3 })}`)).catch(() => ({ items: [] }));
      const paused = stats.pausedSinks?.includes(s.sink) ?? false;
      const configured = stats.configuredSinks?.includes(s.sink) ?? true;
      const toggle = session.role === 'operator' && configured && h('button', { type: 'button', onclick: () => void post(pod(name, paused ? routes.resume(s.sink) : routes.pause(s.sink)), {}).then(() => sinksPage(main, session)) }, paused ? 'Resume' : 'Pause');
      return [s.sink, configured ? (paused ? 'paused' : 'delivering') : 'no longer configured', s.pending, age(s.oldestReceivedAt, Date.now()), s.dead,
        h('ul', { class: 'errors' }, ...dead.items.map((d) => h('li', {}, `${time(d.deadAt)}: ${d.lastError ?? '?'}`))), toggle || ''];
    }));
    return h('section', {}, h('h2', {}, `Pod ${name}`), table(`Sinks of ${name}`, ['Sink', 'State', 'Backlog', 'Oldest pending', 'Dead letters', 'Last errors', ''], rows));
  }));
  fill(main, h('h1', {}, 'Sinks'), notice('Circuit and reachability per sink are on the overview.'), ...sections);
}
