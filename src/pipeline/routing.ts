import { z } from 'zod';
import { elementKinds } from '../events/message';
import type { Event } from '../events/event';

const list = <T extends z.ZodType>(item: T) => z.array(item).min(1);

/**
 * Which events a sink receives, over the common attributes every vendor fills (src/events/attributes.ts).
 * Every criterion given must match (AND); within a list any value may match (OR). No filter: every
 * event. Evaluated once, when the event is committed.
 */
export const routeFilterSchema = z
  .strictObject({
    vendors: list(z.string().min(1)).optional().describe('e.g. [tencent, netease]'),
    commands: list(z.string().min(1)).optional().describe('Callback commands or event types, e.g. [C2C.CallbackAfterSendMsg]'),
    appIds: list(z.string().min(1)).optional().describe('Vendor apps (Tencent SdkAppid, NetEase AppKey, Easemob org#app)'),
    sdkAppIds: list(z.string().regex(/^\d{1,20}$/, 'expected digits')).optional().describe('Tencent SdkAppids (the same as appIds)'),
    conversations: list(z.enum(['c2c', 'group', 'chatroom'])).optional().describe('Conversation types of message events'),
    elementKinds: list(z.enum(elementKinds as [string, ...string[]])).optional().describe('Any message element of these neutral kinds, e.g. [custom]'),
    msgTypes: list(z.string().min(1)).optional().describe("Any message element of these vendor types, e.g. [TIMCustomElem]"),
    sendFailed: z.boolean().optional().describe('Only messages the vendor reports as not delivered (true) or delivered (false)'),
    sendResult: z.enum(['ok', 'failed']).optional().describe('The same as sendFailed: false (ok) or true (failed)'),
  })
  .describe('Only events matching every given criterion go to this sink');

export type RouteFilter = z.output<typeof routeFilterSchema>;

export function matchesRoute(filter: RouteFilter | undefined, event: Event): boolean {
  if (!filter) return true;
  const a = event.attributes;
  const inList = (wanted: readonly string[] | undefined, value: unknown) => wanted === undefined || (typeof value === 'string' && wanted.includes(value));
  const anyIn = (wanted: readonly string[] | undefined, value: unknown) =>
    wanted === undefined || (typeof value === 'string' && value.split(',').some((item) => wanted.includes(item)));
  const app = a.appid ?? a.sdkappid;
  if (!inList(filter.vendors, a.vendor) || !inList(filter.commands, a.command)) return false;
  if (!inList(filter.appIds, app) || !inList(filter.sdkAppIds, app)) return false;
  if (!inList(filter.conversations, a.convtype)) return false;
  if (!anyIn(filter.elementKinds, a.elementkinds) || !anyIn(filter.msgTypes, a.msgtypes)) return false;
  const wantFailed = filter.sendFailed ?? (filter.sendResult === undefined ? undefined : filter.sendResult === 'failed');
  if (wantFailed !== undefined && sendFailed(event) !== wantFailed) return false;
  return true;
}

/** Whether the vendor reported the send as failed; undefined when the event says nothing about it. */
function sendFailed(event: Event): boolean | undefined {
  const a = event.attributes;
  if (typeof a.sendfailed === 'boolean') return a.sendfailed;
  if (a.sendresult === undefined) return undefined;
  return String(a.sendresult) !== '0';
}

/**
 * Whether a sink wants an event: its route filter matches, and a sink that takes the neutral message
 * (`payload: message`) only gets events that carry one.
 */
export function sinkAccepts(settings: { readonly filter?: RouteFilter; readonly payload?: string }): (event: Event) => boolean {
  return (event) => matchesRoute(settings.filter, event) && (settings.payload !== 'message' || event.message !== undefined);
}
