import { get, pod, qs, routes, type SessionInfo } from './api.js';
import { fill, h, notice, table } from './dom.js';
import { field, filterForm, hashQuery, setHashQuery } from './form.js';
import { bodyBytes, bytes, hexDump, time } from './format.js';
import { confirmDialog, runOnPods } from './ui.js';

interface Summary {
  readonly qid: number;
  readonly receivedAt: number;
  readonly vendor: string;
  readonly command?: string;
  readonly reason: string;
  readonly detail: string;
  readonly bytes: number;
}
interface Detail extends Summary {
  readonly head: { readonly query?: string; readonly headers?: Record<string, string> };
  readonly body: unknown;
  readonly bodyBase64?: string;
}

/** Quarantined requests of every pod, by vendor and reason. */
export async function quarantinePage(main: HTMLElement, session: SessionInfo): Promise<void> {
  const q = hashQuery();
  const form = filterForm('Filter quarantine', [field('Vendor', 'vendor', q['vendor'], 'text', ['tencent', 'netease', 'easemob']), field('Reason', 'reason', q['reason'])],
    'Filter', (v) => setHashQuery('quarantine', v));
  const pages = await Promise.all(session.pods.map(async (name) => ({ name, page: await get<{ items: Summary[] }>(pod(name, `${routes.quarantine}${qs({ ...q, limit: 100 })}`)).catch((e: Error) => e) })));
  const rows = pages.flatMap((p) => (p.page instanceof Error ? [] : p.page.items.map((s) => ({ pod: p.name, s })))).sort((a, b) => b.s.receivedAt - a.s.receivedAt);
  const failed = pages.filter((p) => p.page instanceof Error).map((p) => p.name);
  fill(main, h('h1', {}, 'Quarantine'), form,
    failed.length > 0 && notice(`Partial: ${failed.join(', ')} did not answer.`, 'warn'),
    rows.length === 0 ? notice('Nothing is quarantined.') : table(`${rows.length} quarantined requests (newest first)`, ['Received', 'Pod', 'Vendor', 'Command', 'Reason', 'Detail', 'Size', ''],
      rows.map(({ pod: p, s }) => [time(s.receivedAt), p, s.vendor, s.command ?? '', s.reason, s.detail, bytes(s.bytes),
        h('a', { href: `#/quarantine/${encodeURIComponent(p)}/${s.qid}`, 'aria-label': `Open quarantined request ${s.qid}` }, 'Open')])));
}

/** One quarantined request: the head (secrets already redacted by the console), the body as text and as hex, redrive and drop. */
export async function quarantinedPage(main: HTMLElement, session: SessionInfo, podName: string, qid: number): Promise<void> {
  const d = await get<Detail>(pod(podName, routes.quarantined(qid)));
  const body = bodyBytes(d.body, d.bodyBase64);
  const status = h('div', { class: 'progress', 'aria-live': 'polite' });
  const act = async (verb: 'Redrive' | 'Drop') => {
    if (!(await confirmDialog(verb === 'Redrive' ? 'Check this request again through its vendor?' : 'Drop this request for good?', verb))) return;
    try {
      const count = await runOnPods([podName], verb === 'Redrive' ? routes.quarantineRedrive : routes.quarantineDrop, { qids: [qid] }, status);
      fill(status, notice(`${verb}: ${count} done.`));
    } catch (error) {
      fill(status, notice((error as Error).message, 'error'));
    }
  };
  fill(main, h('h1', {}, `Quarantined request ${qid}`),
    h('p', { class: 'summary' }, `${d.vendor} ${d.command ?? ''} · pod ${podName} · received ${time(d.receivedAt)} · ${d.reason}: ${d.detail}`),
    session.role === 'operator' && h('div', { class: 'toolbar' }, h('button', { type: 'button', onclick: () => void act('Redrive') }, 'Redrive'),
      h('button', { type: 'button', class: 'danger', onclick: () => void act('Drop') }, 'Drop')),
    status,
    h('h2', {}, 'Request head'), table('Query and headers', ['Name', 'Value'], [['query', d.head.query ?? ''], ...Object.entries(d.head.headers ?? {})]),
    h('h2', {}, 'Body as text'), h('pre', { class: 'code', tabindex: 0 }, new TextDecoder('utf-8', { fatal: false }).decode(body)),
    h('h2', {}, 'Body as hex'), h('pre', { class: 'code hex', tabindex: 0 }, hexDump(body)));
}
