import { failureReasons } from '../../errors';
import type { CallbackHead, Outcome, StoredHead, VendorReply } from '../vendor';

/**
 * NetEase reads only the status: any 200 is a delivered copy, anything else a failure it may resend
 * (protocols/netease.md §3; no reply body is documented). The small JSON body says what happened, for
 * people reading logs on either side. Statuses of failures come from the catalogue.
 */
export function neteaseReply(outcome: Outcome): VendorReply {
  switch (outcome.kind) {
    case 'accepted':
    case 'duplicate':
    case 'ignored':
      return { status: 200, body: { code: 200, outcome: outcome.kind } };
    case 'quarantined':
      return { status: 200, body: { code: 200, outcome: 'quarantined', detail: outcome.detail.slice(0, 500) } };
    case 'failed': {
      const status = failureReasons[outcome.reason].httpStatus;
      const headers = outcome.retryAfterSeconds === undefined ? undefined : { 'Retry-After': String(outcome.retryAfterSeconds) };
      return { status, headers, body: { code: status, outcome: 'failed', reason: outcome.reason, info: outcome.info.slice(0, 500) } };
    }
  }
}

/** The signing headers kept with a quarantined body; the CheckSum is redacted. */
export function neteaseStoredHead(head: CallbackHead): StoredHead {
  const headers: Record<string, string> = {};
  for (const name of ['appkey', 'curtime', 'md5', 'type'] as const) {
    const value = head.headers[name];
    if (value !== undefined) headers[name] = value.slice(0, 256);
  }
  if (head.headers.checksum !== undefined) headers.checksum = 'redacted';
  return { headers };
}
