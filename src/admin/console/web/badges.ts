import { h } from './dom.js';
import { conversationLabel, messageParts, type NeutralView } from './message-view.js';

export interface SinkState {
  readonly sink: string;
  readonly state: 'delivered' | 'not_routed' | 'pending' | 'dead';
  readonly attempts?: number;
  readonly nextAt?: number;
  readonly lastError?: string;
  readonly firstError?: string;
  readonly deadAt?: number;
}

const badgeClass = { delivered: 'ok', not_routed: 'muted', pending: 'warn', dead: 'bad' } as const;

/** One badge per sink: delivered, pending (with attempts), dead-lettered, not routed. */
export function sinkBadges(states: readonly SinkState[]): HTMLElement {
  return h('span', { class: 'badges' }, ...states.map((s) => {
    const words = s.state === 'pending' ? `pending${s.attempts ? ` (${s.attempts} tries)` : ''}` : s.state === 'not_routed' ? 'not routed' : s.state;
    return h('span', { class: `badge ${badgeClass[s.state]}`, title: s.lastError ?? '' }, `${s.sink}: ${words}`);
  }));
}

/** The message as a person reads it: who to whom, then text and labelled links. */
export function messageBlock(message: NeutralView | undefined, fallback: string): HTMLElement {
  if (message === undefined) return h('span', { class: 'muted' }, fallback);
  return h('div', { class: 'message' }, h('div', { class: 'who' }, conversationLabel(message)), h('div', { class: 'body' }, ...messageParts(message).map((part) =>
    part.kind === 'link' ? h('a', { href: part.href, rel: 'noopener noreferrer nofollow', target: '_blank', referrerpolicy: 'no-referrer' }, part.label)
      : h('span', { class: part.kind === 'note' ? 'note' : 'text' }, part.text))));
}
