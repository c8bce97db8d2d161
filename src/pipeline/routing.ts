import { z } from 'zod';
import type { Event } from '../events/event';

/**
 * Which events a sink receives. Every criterion given must match (AND); within a list any value may
 * match (OR). No filter: every event. Evaluated once, when the event is committed.
 */
export const routeFilterSchema = z
  .strictObject({
    vendors: z.array(z.string().min(1)).min(1).optional().describe('e.g. [tencent]'),
    commands: z.array(z.string().min(1)).min(1).optional().describe('Callback commands, e.g. [C2C.CallbackAfterSendMsg]'),
    sdkAppIds: z.array(z.string().regex(/^\d{1,20}$/, 'expected digits')).min(1).optional(),
    msgTypes: z.array(z.string().min(1)).min(1).optional().describe('Any message element of these types, e.g. [TIMCustomElem]'),
    sendResult: z.enum(['ok', 'failed']).optional().describe('Only delivered (ok) or only failed (failed) sends (the sendfailed attribute)'),
  })
  .describe('Only events matching every given criterion go to this sink');

export type RouteFilter = z.output<typeof routeFilterSchema>;

export function matchesRoute(filter: RouteFilter | undefined, event: Event): boolean {
  if (!filter) return true;
  const a = event.attributes;
  const inList = (list: readonly string[] | undefined, value: unknown) => list === undefined || (typeof value === 'string' && list.includes(value));
  if (!inList(filter.vendors, a.vendor) || !inList(filter.commands, a.command) || !inList(filter.sdkAppIds, a.sdkappid)) return false;
  if (filter.msgTypes) {
    const types = typeof a.msgtypes === 'string' ? a.msgtypes.split(',') : [];
    if (!types.some((type) => filter.msgTypes?.includes(type))) return false;
  }
  if (filter.sendResult) {
    if (typeof a.sendfailed !== 'boolean') return false;
    if (a.sendfailed === (filter.sendResult === 'ok')) return false;
  }
  return true;
}
