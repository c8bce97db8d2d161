import { get, pod, routes, type SessionInfo } from './api.js';
import { fill, h, notice, table } from './dom.js';

/** Each pod's view of its sinks: what the admin API reports (settings without secrets, health, circuit, last errors). */
export async function sinksPage(main: HTMLElement, session: SessionInfo): Promise<void> {
  const answers = await Promise.all(session.pods.map(async (name) => ({ name, data: await get<unknown>(pod(name, routes.sinks)).catch((e: Error) => e) })));
  const sections = answers.map(({ name, data }) => {
    if (data instanceof Error) return h('section', {}, h('h2', {}, name), notice(`No answer: ${data.message}`, 'warn'));
    const list = Array.isArray(data) ? data : ((data as { sinks?: unknown[] }).sinks ?? []);
    return h('section', {}, h('h2', {}, `Pod ${name}`), table(`Sinks of ${name}`, ['Sink', 'Details'], list.map((s) => {
      const entry = s as Record<string, unknown>;
      const rest = Object.entries(entry).filter(([k]) => k !== 'sink' && k !== 'name');
      return [String(entry['sink'] ?? entry['name'] ?? '?'), h('dl', {}, ...rest.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, typeof v === 'object' ? JSON.stringify(v) : String(v))]))];
    })));
  });
  fill(main, h('h1', {}, 'Sinks'), ...sections);
}
