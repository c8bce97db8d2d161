import { get, pod, post, qs, routes, type SessionInfo } from './api.js';
import { fill, h, notice, table } from './dom.js';
import { field, filterForm, hashQuery, setHashQuery } from './form.js';
import { time } from './format.js';

interface Gap {
  readonly gid: number;
  readonly kind: 'outage' | 'sequence' | 'window' | 'hour';
  readonly vendor?: string;
  readonly app?: string;
  readonly conversation?: string;
  readonly fromAt: number;
  readonly untilAt: number;
  readonly fromSeq?: number;
  readonly untilSeq?: number;
  readonly detectedAt: number;
  readonly state: 'open' | 'filled' | 'unfillable';
  readonly note?: string;
}

/** What a gap covers, in words: the group's missing numbers, the conversations of a window, or every vendor for an outage. */
function covers(g: Gap): string {
  const app = g.app === undefined ? '' : `app ${g.app} · `;
  if (g.kind === 'sequence') return `${app}group ${g.conversation ?? '?'} · MsgSeq ${g.fromSeq ?? '?'}–${g.untilSeq ?? '?'}`;
  if (g.kind === 'outage') return 'every vendor';
  if (g.kind === 'window') return `${app}${g.conversation === undefined ? 'every conversation seen' : g.conversation}`;
  return app.replace(/ · $/, '');
}

/** Asks how to settle a gap: filled or unfillable, and why (required). Resolves undefined on cancel. */
function settleDialog(gid: number): Promise<{ state: string; note: string } | undefined> {
  return new Promise((resolve) => {
    const state = h('select', { id: 'f-settle-state', name: 'state' }, h('option', { value: 'unfillable' }, 'unfillable (accepted as lost)'), h('option', { value: 'filled' }, 'filled (the messages came another way)'));
    const note = h('input', { id: 'f-settle-note', name: 'note', type: 'text', required: true, maxlength: 500 });
    const dialog = h('dialog', { 'aria-labelledby': 'settle-title' });
    const close = (answer: { state: string; note: string } | undefined) => (dialog.close(), dialog.remove(), resolve(answer));
    const form = h('form', { method: 'dialog' },
      h('p', { id: 'settle-title' }, `Settle gap ${gid}? It no longer counts as open and stops alerting.`),
      h('div', { class: 'field' }, h('label', { for: 'f-settle-state' }, 'Settle as'), state),
      h('div', { class: 'field' }, h('label', { for: 'f-settle-note' }, 'Why'), note),
      h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => close(undefined) }, 'Cancel'), h('button', { type: 'submit', class: 'danger' }, 'Settle')));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (note.value.trim() === '') return void note.reportValidity();
      close({ state: state.value, note: note.value.trim() });
    });
    dialog.append(form);
    document.body.appendChild(dialog);
    dialog.showModal();
  });
}

/** Windows of possibly missed messages on every pod (outages, sequence holes, windows and hours to read back); operators settle open ones. */
export async function gapsPage(main: HTMLElement, session: SessionInfo): Promise<void> {
  const q = hashQuery();
  const form = filterForm('Filter gaps', [field('Kind', 'kind', q['kind'], 'text', ['outage', 'sequence', 'window', 'hour']), field('State', 'state', q['state'], 'text', ['open', 'filled', 'unfillable'])],
    'Filter', (v) => setHashQuery('gaps', v));
  const pages = await Promise.all(session.pods.map(async (name) => ({ name, page: await get<{ items: Gap[] }>(pod(name, `${routes.gaps}${qs({ kind: q['kind'], state: q['state'], limit: 100 })}`)).catch((e: Error) => e) })));
  const rows = pages.flatMap((p) => (p.page instanceof Error ? [] : p.page.items.map((g) => ({ pod: p.name, g })))).sort((a, b) => b.g.detectedAt - a.g.detectedAt);
  const failed = pages.filter((p) => p.page instanceof Error).map((p) => p.name);
  const status = h('div', { class: 'progress', 'aria-live': 'polite' });
  const settle = async (podName: string, gid: number) => {
    const answer = await settleDialog(gid);
    if (!answer) return;
    try {
      const settled = await post<Gap>(pod(podName, routes.settleGap(gid)), answer);
      await gapsPage(main, session);
      main.querySelector('.progress')?.replaceChildren(notice(`Gap ${gid} on ${podName} settled as ${settled.state}.`));
    } catch (error) {
      fill(status, notice((error as Error).message, 'error'));
    }
  };
  fill(main, h('h1', {}, 'Gaps'), form,
    failed.length > 0 && notice(`Partial: ${failed.join(', ')} did not answer.`, 'warn'),
    status,
    rows.length === 0 ? notice('No gap recorded.') : table(`${rows.length} gaps (newest first)`, ['Detected', 'Pod', 'Kind', 'Vendor', 'Covers', 'From', 'Until', 'State', 'Note', ''],
      rows.map(({ pod: p, g }) => [time(g.detectedAt), p, g.kind, g.vendor ?? 'all', covers(g), time(g.fromAt), time(g.untilAt), g.state, g.note ?? '',
        session.role === 'operator' && g.state === 'open' && h('button', { type: 'button', 'aria-label': `Settle gap ${g.gid} on ${p}`, onclick: () => void settle(p, g.gid) }, 'Settle…')])));
}
