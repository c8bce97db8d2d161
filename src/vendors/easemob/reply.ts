import { failureReasons } from '../../errors';
import type { Outcome, VendorReply } from '../vendor';

/** Easemob treats a reply longer than this as an attack and can ban the callback rule. */
export const maxReplyChars = 1000;

/**
 * Easemob's reply policy (https://doc.easemob.com/document/server-side/callback_postsending.html,
 * 重试与封禁): any 200 is success and the body is ignored, but it must stay under 1,000 characters;
 * 90 non-200 answers within 30 s ban the rule. So everything the gateway has taken responsibility for
 * (stored, a duplicate, quarantined, deliberately ignored) is 200, and only authentication failures and
 * failures to store (rate limit, spool full or unavailable, internal) are not: Easemob retries those once.
 */
export function easemobReply(outcome: Outcome): VendorReply {
  switch (outcome.kind) {
    case 'accepted':
    case 'duplicate':
    case 'ignored':
      return { status: 200, body: { result: outcome.kind } };
    case 'quarantined':
      return { status: 200, body: { result: 'quarantined', info: outcome.detail.slice(0, 300) } };
    case 'failed': {
      const headers = outcome.retryAfterSeconds === undefined ? undefined : { 'retry-after': String(outcome.retryAfterSeconds) };
      const body = { result: 'failed', reason: outcome.reason, info: outcome.info.slice(0, 300) };
      return { status: failureReasons[outcome.reason].httpStatus, ...(headers ? { headers } : {}), body };
    }
  }
}
