import { z } from 'zod';
import type { NeutralMessage } from '../../events/message';
import { UnmappableError } from './errors';

/**
 * Where a relayed message goes on the target: every relay target maps users, groups and chat rooms
 * the same way. Each source conversation kind has its own rule (`users` for one-to-one messages,
 * `groups`, `rooms`): the same id, a template, or a table whose missing entries fail the event or are
 * skipped; a group may become a chat room and a room a group (`as`). `alsoTo` adds fixed groups and
 * rooms every relayed message also goes to (a moderation room). Pure: no I/O.
 */

export type DestinationKind = 'user' | 'group' | 'chatroom';

/** One recipient on the target: a user, a group or a chat room, by its id there. */
export interface Destination {
  readonly kind: DestinationKind;
  readonly id: string;
}

/** The id rule of one conversation kind; `id` checks a mapped id against the target's own limits. */
const idRule = <Extra extends z.ZodRawShape>(id: z.ZodString, extra: Extra) =>
  z.discriminatedUnion('mode', [
    z.strictObject({ mode: z.literal('same'), ...extra }).describe('The same id on the target'),
    z.strictObject({ mode: z.literal('template'), template: z.string().includes('{id}').max(128), ...extra }).describe('e.g. "tc_{id}"'),
    z.strictObject({
      mode: z.literal('table'),
      table: z.record(z.string(), id),
      unmapped: z.enum(['fail', 'skip']).default('fail').describe('An id missing from the table fails the event, or is skipped'),
      ...extra,
    }),
  ]);

/** The `targets` schema of a relay sink whose ids follow `id` (each target has its own length limit). */
export function conversationTargetsSchema(id: z.ZodString) {
  const list = z.array(id).max(1000).default([]);
  return z
    .strictObject({
      users: idRule(id, {}).optional().describe('One-to-one messages go to their recipient, mapped by this rule; unset: not sent'),
      senders: idRule(id, {}).optional().describe('The sender on the target, mapped by this rule (unless the sink sets a fixed sender); unset: the original id'),
      groups: idRule(id, { as: z.enum(['group', 'chatroom']).default('group') }).optional().describe('Group messages go to the group mapped by this rule (or a chat room: as); unset: not sent'),
      rooms: idRule(id, { as: z.enum(['chatroom', 'group']).default('chatroom') }).optional().describe('Chat-room messages go to the room mapped by this rule (or a group: as); unset: not sent'),
      alsoTo: z
        .strictObject({ groups: list.describe('Groups every relayed message also goes to'), chatrooms: list.describe('Chat rooms every relayed message also goes to') })
        .prefault({}),
      chatgroups: list.describe('Older spelling of alsoTo.groups'),
      chatrooms: list.describe('Older spelling of alsoTo.chatrooms'),
    })
    .prefault({});
}

export type ConversationTargets = z.output<ReturnType<typeof conversationTargetsSchema>>;
type Rule = NonNullable<ConversationTargets['users']>;

/** The target id of `id` under `rule`, or undefined to skip; throws `UnmappableError` when the table must have it. */
export function mapId(id: string, rule: Rule, what: string, table: string): string | undefined {
  switch (rule.mode) {
    case 'same':
      return id;
    case 'template':
      return rule.template.replaceAll('{id}', id);
    case 'table': {
      const mapped = Object.hasOwn(rule.table, id) ? rule.table[id] : undefined;
      if (mapped !== undefined || rule.unmapped === 'skip') return mapped;
      throw new UnmappableError(`no ${what} ${id.slice(0, 64)} in the ${table} table`);
    }
  }
}

/**
 * Every recipient of `message` on the target, without repeats: its own conversation as mapped, then
 * the `alsoTo` groups and rooms. `target` names the vendor in error messages.
 */
export function destinationsOf(message: Pick<NeutralMessage, 'conversation' | 'to' | 'groupId'>, targets: ConversationTargets, target: string): Destination[] {
  const out: Destination[] = [];
  const own = ownDestination(message, targets, target);
  if (own !== undefined) out.push(own);
  for (const id of [...targets.alsoTo.groups, ...targets.chatgroups]) out.push({ kind: 'group', id });
  for (const id of [...targets.alsoTo.chatrooms, ...targets.chatrooms]) out.push({ kind: 'chatroom', id });
  const seen = new Set<string>();
  return out.filter((d) => !seen.has(`${d.kind}:${d.id}`) && seen.add(`${d.kind}:${d.id}`));
}

function ownDestination(message: Pick<NeutralMessage, 'conversation' | 'to' | 'groupId'>, targets: ConversationTargets, target: string): Destination | undefined {
  if (message.conversation === 'one-to-one') {
    if (!targets.users || message.to === undefined) return undefined;
    const id = mapId(message.to, targets.users, `${target} user for recipient`, 'users');
    return id === undefined ? undefined : { kind: 'user', id };
  }
  const rule = message.conversation === 'group' ? targets.groups : targets.rooms;
  if (!rule || message.groupId === undefined) return undefined;
  const source = message.conversation === 'group' ? 'groups' : 'rooms';
  const id = mapId(message.groupId, rule, `${target} ${rule.as === 'group' ? 'group' : 'chat room'} for ${source === 'groups' ? 'group' : 'chat room'}`, source);
  return id === undefined ? undefined : { kind: rule.as, id };
}

/**
 * The sender on the target: `fixed` when the sink sets one, else the original sender as `senders`
 * maps it (`''` when the source has none); `skip` when the senders table lacks it and says skip (the
 * message is not relayed).
 */
export function senderOf(message: Pick<NeutralMessage, 'from'>, targets: ConversationTargets, fixed: string | undefined, target: string): { readonly from: string } | 'skip' {
  if (fixed !== undefined) return { from: fixed };
  if (!targets.senders || message.from === '') return { from: message.from };
  const from = mapId(message.from, targets.senders, `${target} user for sender`, 'senders');
  return from === undefined ? 'skip' : { from };
}
