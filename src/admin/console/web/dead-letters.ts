import { get, pod, qs, routes, type SessionInfo } from './api.js';
import { fill, h, notice, table } from './dom.js';
import { field, filterForm, hashQuery, setHashQuery } from './form.js';
import { time } from './format.js';
import { confirmDialog, inputTime, preview, runOnPods } from './ui.js';

interface DeadLetter {
  readonly sink: string;
  readonly seq: number;
  readonly id: string;
  readonly type: string;
  readonly attempts: number;
  readonly firstError?: string;
  readonly lastError?: string;
  readonly deadAt: number;
}

/** Dead letters of every pod: filter, then redrive or drop one, the selected, or all that match (counted first). */
export async function deadLettersPage(main: HTMLElement, session: SessionInfo): Promise<void> {
  const q = hashQuery();
  const filter = { sink: q['sink'], error: q['error'], since: q['since'] ? inputTime(q['since']) : undefined, until: q['until'] ? inputTime(q['until']) : undefined };
  const form = filterForm('Filter dead letters', [field('Sink', 'sink', q['sink']), field('Error contains', 'error', q['error']),
    field('Dead since (UTC)', 'since', q['since'], 'datetime-local'), field('Dead until (UTC)', 'until', q['until'], 'datetime-local')], 'Filter', (v) => setHashQuery('dead', v));
  const pages = await Promise.all(session.pods.map(async (name) => ({ name, page: await get<{ items: DeadLetter[] }>(pod(name, `${routes.deadLetters}${qs({ ...filter, limit: 100 })}`)).catch((e: Error) => e) })));
  const failed = pages.filter((p) => p.page instanceof Error);
  const rows = pages.flatMap((p) => (p.page instanceof Error ? [] : p.page.items.map((d) => ({ pod: p.name, d })))).sort((a, b) => b.d.deadAt - a.d.deadAt);
  const progress = h('div', { class: 'progress', 'aria-live': 'polite' });
  const operator = session.role === 'operator';
  const selected = () => rows.filter((_r, i) => (document.getElementById(`sel-${i}`) as HTMLInputElement | null)?.checked);

  async function change(verb: 'Redrive' | 'Drop', which: 'selected' | 'all'): Promise<void> {
    const path = verb === 'Redrive' ? routes.deadRedrive : routes.deadDrop;
    const jobs: { name: string; body: { sink?: string; seqs?: number[] } }[] = which === 'all' ? session.pods.map((name) => ({ name, body: filter })) : groupByPod(selected());
    if (jobs.length === 0) return void fill(progress, notice('Select dead letters first.', 'warn'));
    const count = which === 'all' ? await preview(jobs.map((j) => j.name), path, filter) : jobs.reduce((n, j) => n + (j.body.seqs?.length ?? 0), 0);
    if (!(await confirmDialog(`${verb} ${count} dead letter(s)?`, `${verb} ${count}`))) return;
    try {
      let done = 0;
      for (const job of jobs) done += await runOnPods([job.name], path, job.body, progress);
      fill(progress, notice(`${verb}: ${done} done.`));
    } catch (error) {
      fill(progress, notice((error as Error).message, 'error'));
    }
  }
  fill(main, h('h1', {}, 'Dead letters'), form,
    failed.length > 0 && notice(`Partial: ${failed.map((f) => f.name).join(', ')} did not answer.`, 'warn'),
    operator && h('div', { class: 'toolbar' },
      h('button', { type: 'button', onclick: () => void change('Redrive', 'selected') }, 'Redrive selected'),
      h('button', { type: 'button', onclick: () => void change('Redrive', 'all') }, 'Redrive all matching…'),
      h('button', { type: 'button', class: 'danger', onclick: () => void change('Drop', 'selected') }, 'Drop selected'),
      h('button', { type: 'button', class: 'danger', onclick: () => void change('Drop', 'all') }, 'Drop all matching…')),
    progress,
    rows.length === 0 ? notice('No dead letters match.') : table(`${rows.length} dead letters (newest first)`, [operator ? 'Select' : '', 'Dead since', 'Pod', 'Sink', 'Event', 'Attempts', 'First error', 'Last error'],
      rows.map(({ pod: p, d }, i) => [operator && h('input', { type: 'checkbox', id: `sel-${i}`, 'aria-label': `Select ${d.id} for ${d.sink}` }), time(d.deadAt), p, d.sink,
        h('a', { href: `#/event/${encodeURIComponent(p)}/${encodeURIComponent(d.id)}` }, d.type), d.attempts, d.firstError ?? '', d.lastError ?? ''])));
}

function groupByPod(rows: readonly { pod: string; d: DeadLetter }[]): { name: string; body: { sink?: string; seqs?: number[] } }[] {
  const byPodSink = new Map<string, { name: string; body: { sink: string; seqs: number[] } }>();
  for (const { pod: name, d } of rows) {
    const key = `${name}\u0000${d.sink}`;
    const entry = byPodSink.get(key) ?? { name, body: { sink: d.sink, seqs: [] } };
    entry.body.seqs.push(d.seq);
    byPodSink.set(key, entry);
  }
  return [...byPodSink.values()];
}
