import { get, pod, post, routes, type SessionInfo } from './api.js';
import { messageBlock, sinkBadges, type SinkState } from './badges.js';
import { fill, h, notice, table } from './dom.js';
import { time } from './format.js';
import { neutralOf } from './message-view.js';
import { confirmDialog } from './ui.js';

interface Detail {
  readonly stored: { readonly seq: number; readonly receivedAt: number; readonly event: { readonly attributes: Record<string, unknown>; readonly data: string; readonly message?: unknown } };
  readonly sinks: readonly SinkState[];
}

const pretty = (text: string) => {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
};

/** One event: the CloudEvent, the neutral message, the vendor body as received, each sink's state with actions. */
export async function eventPage(main: HTMLElement, session: SessionInfo, podName: string, id: string): Promise<void> {
  const detail = await get<Detail>(pod(podName, routes.event(id)));
  const { event, seq, receivedAt } = detail.stored;
  const status = h('div', { role: 'status' });
  const operator = session.role === 'operator';
  const act = async (label: string, path: string, body: object) => {
    if (!(await confirmDialog(`${label}?`, label))) return;
    const answer = await post<{ count?: number }>(pod(podName, path), body).catch((error: Error) => ({ error: error.message }));
    fill(status, 'error' in answer ? notice(answer.error, 'error') : notice(`${label}: done.`));
  };
  const actions = (s: SinkState) => !operator ? '' : h('span', { class: 'actions' },
    s.state === 'dead' && h('button', { type: 'button', onclick: () => void act(`Redrive to ${s.sink}`, routes.deadRedrive, { sink: s.sink, seqs: [seq] }) }, 'Redrive'),
    s.state !== 'not_routed' && h('button', { type: 'button', onclick: () => void act(`Replay to ${s.sink}`, routes.replay, { sink: s.sink, seqs: [seq] }) }, 'Replay'));
  fill(main,
    h('h1', {}, 'Event'),
    h('p', { class: 'summary' }, `${String(event.attributes['id'])} · pod ${podName} · #${seq} · received ${time(receivedAt)}`),
    status,
    h('h2', {}, 'Message'), messageBlock(neutralOf(event), 'Not a message event.'),
    h('h2', {}, 'Sinks'), sinkBadges(detail.sinks),
    table('Delivery per sink', ['Sink', 'State', 'Attempts', 'Next try', 'First error', 'Last error', ''], detail.sinks.map((s) =>
      [s.sink, s.state, s.attempts ?? '', s.state === 'pending' ? time(s.nextAt) : '', s.firstError ?? '', s.lastError ?? '', actions(s)])),
    h('h2', {}, 'CloudEvent'), table('Attributes', ['Attribute', 'Value'], Object.entries(event.attributes).map(([k, v]) => [k, String(v)])),
    h('h2', {}, 'Vendor body as received'), h('pre', { class: 'code', tabindex: 0 }, pretty(event.data)));
}
