import type { Event } from '../events/event';
import type { RouteFilter } from '../events/route-filter';

export { routeFilterSchema, type RouteFilter } from '../events/route-filter';

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
