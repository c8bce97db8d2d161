import { get, pod, qs, routes, type SessionInfo } from './api.js';
import { messageBlock, sinkBadges, type SinkState } from './badges.js';
import { fill, h, notice, table } from './dom.js';
import { field, filterForm, hashQuery, setHashQuery } from './form.js';
import { time } from './format.js';
import { neutralOf } from './message-view.js';
import { inputTime } from './ui.js';

interface Row {
  readonly pod: string;
  readonly seq: number;
  readonly receivedAt: number;
  readonly event: { readonly attributes: Record<string, unknown>; readonly message?: unknown };
  readonly sinks?: readonly SinkState[];
}
interface FleetPage {
  readonly items: readonly Row[];
  readonly next?: string;
  readonly failed: readonly { pod: string; error: string }[];
}

const filters: [string, string][] = [['vendor', 'Vendor'], ['command', 'Command'], ['app', 'App'], ['conversation', 'Conversation'], ['sender', 'Sender'],
  ['recipient', 'Recipient'], ['group', 'Group or room'], ['messageId', 'Vendor message id']];

/** Message search across the fleet, newest first, with each sink's state per row. */
export async function messagesPage(main: HTMLElement, _session: SessionInfo): Promise<void> {
  const q = hashQuery();
  const form = filterForm('Search messages', [
    ...filters.map(([name, label]) => (name === 'vendor' ? field(label, name, q[name], 'text', ['tencent', 'netease', 'easemob']) : field(label, name, q[name]))),
    field('From (UTC)', 'since', q['since'], 'datetime-local'), field('Until (UTC)', 'until', q['until'], 'datetime-local'),
  ], 'Search', (values) => setHashQuery('messages', values));
  const results = h('div', { id: 'results', 'aria-live': 'polite' });
  fill(main, h('h1', {}, 'Messages'), form, results);
  const query = { ...q, since: q['since'] && inputTime(q['since']), until: q['until'] && inputTime(q['until']), limit: 50 };
  await showPage(results, query, q['cursor']);
}

async function showPage(results: HTMLElement, query: Record<string, string | number | undefined>, cursor: string | undefined): Promise<void> {
  const page = await get<FleetPage>(`events${qs({ ...query, cursor })}`);
  const badgeCells = page.items.map((row) => h('span', {}, row.sinks ? sinkBadges(row.sinks) : '…'));
  const rows = page.items.map((row, i) => {
    const a = row.event.attributes;
    const id = String(a['id']);
    return [time(row.receivedAt), row.pod, `${String(a['vendor'] ?? '')} ${String(a['command'] ?? a['type'] ?? '')}`,
      messageBlock(neutralOf(row.event), String(a['type'] ?? '')), badgeCells[i] ?? '',
      h('a', { href: `#/event/${encodeURIComponent(row.pod)}/${encodeURIComponent(id)}`, 'aria-label': `Details of event ${id}` }, 'Details')];
  });
  fill(results,
    page.failed.length > 0 && notice(`Partial: ${page.failed.map((f) => `${f.pod} (${f.error})`).join(', ')} did not answer.`, 'warn'),
    page.items.length === 0 ? notice('No messages match.') : table(`${page.items.length} events, newest first`, ['Received', 'Pod', 'Kind', 'Message', 'Sinks', ''], rows),
    page.next && h('button', { type: 'button', onclick: () => void showPage(results, query, page.next) }, 'Older'));
  await fillBadges(page.items, badgeCells);
}

/** Rows without sink states get them from each event's detail, a few at a time, by log position (the spool's key: a direct lookup). */
async function fillBadges(items: readonly Row[], cells: readonly HTMLElement[]): Promise<void> {
  const todo = items.map((row, i) => ({ row, cell: cells[i] })).filter((t) => t.row.sinks === undefined);
  const worker = async () => {
    for (let t = todo.shift(); t !== undefined; t = todo.shift()) {
      const detail = await get<{ sinks: SinkState[] }>(pod(t.row.pod, routes.event(String(t.row.seq)))).catch(() => undefined);
      t.cell?.replaceChildren(detail ? sinkBadges(detail.sinks) : 'unknown');
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}
