import { routes, type SessionInfo } from './api.js';
import { fill, h, notice } from './dom.js';
import { field, filterForm } from './form.js';
import { confirmDialog, inputTime, preview, runOnPods } from './ui.js';

/** Replay: a receipt time range to one sink on every pod; the count first, then progress. */
export function replayPage(main: HTMLElement, session: SessionInfo): void {
  const progress = h('div', { class: 'progress', 'aria-live': 'polite' });
  const form = filterForm('Replay a time range', [field('From (UTC)', 'since', '', 'datetime-local'), field('Until (UTC)', 'until', '', 'datetime-local'), field('Sink', 'sink')],
    'Preview', (values) => void run(values));
  async function run(values: Record<string, string>): Promise<void> {
    const body = { sink: values['sink'], since: values['since'] ? inputTime(values['since']) : undefined, until: values['until'] ? inputTime(values['until']) : undefined };
    try {
      const count = await preview(session.pods, routes.replay, body);
      if (!(await confirmDialog(`Replay ${count} event(s) to ${body.sink ?? 'every sink'}?`, `Replay ${count}`))) return;
      const done = await runOnPods(session.pods, routes.replay, body, progress);
      fill(progress, notice(`Replay queued ${done} event(s).`));
    } catch (error) {
      fill(progress, notice((error as Error).message, 'error'));
    }
  }
  fill(main, h('h1', {}, 'Replay'), session.role === 'operator' ? form : notice('The viewer role can look, not replay.'), progress);
}
