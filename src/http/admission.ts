import type { IncomingMessage, ServerResponse } from 'node:http';
import { CallbackError } from '../errors';
import type { Refusal } from '../pipeline/pressure';
import type { CallbackHead, Vendor } from '../vendors/vendor';
import type { Admission, AuthFailureLimit } from './auth-failures';
import { connectionAddress, type ClientLimit } from './client-limit';
import { planDecoding } from './content-encoding';
import type { RateLimiter } from './rate-limit';

/** What the checks before the body need (the callback route's dependencies). */
export interface Gate {
  readonly clientLimit?: ClientLimit;
  readonly authFailures: AuthFailureLimit;
  readonly overloaded: () => Refusal | undefined;
  readonly clock: () => number;
}

/**
 * Everything decided before the body is read, cheapest first: the client's requests in flight, the
 * Content-Encoding, then either the head authentication and the vendor's bucket (a vendor that
 * authenticates from the head) or the client's budget of failed authentications (one that needs the
 * body: its bucket is taken only once the body authenticates, so unauthenticated requests never spend
 * it), then the spool bounds.
 */
export function admit(deps: Gate, vendor: Vendor, limiter: RateLimiter, req: IncomingMessage, res: ServerResponse, head: CallbackHead): Admitted {
  const forwardedFor = head.headers['x-forwarded-for'];
  const slot = deps.clientLimit?.enter(req.socket.remoteAddress, forwardedFor);
  if (slot === 'refused') throw new CallbackError('rate_limited', 'too many requests in flight from this client; retry later');
  if (slot) res.once('close', slot);
  const plan = planDecoding(head.headers['content-encoding']);
  if (!plan.ok) throw new CallbackError('encoding_not_accepted', plan.detail);
  const client = deps.clientLimit?.clientOf(req.socket.remoteAddress, forwardedFor) ?? connectionAddress(req.socket.remoteAddress);
  let admission: Admission = { reserved: false };
  if (vendor.authenticates === 'head') {
    authenticated(deps.authFailures, client, admission, () => vendor.authenticate(head, undefined, deps.clock()));
    if (!limiter.take()) throw new CallbackError('rate_limited');
  } else {
    const admitted = deps.authFailures.admit(client);
    if (!admitted) throw new CallbackError('too_many_auth_failures');
    // What it reserved stays spent if it never reaches authentication (body too large, sender gone).
    admission = admitted;
  }
  const overloaded = deps.overloaded();
  if (overloaded) throw new CallbackError(overloaded.reason, overloaded.reason === 'spool_full' ? `${overloaded.text}; retry later` : overloaded.text);
  return { coding: plan.coding, client, admission };
}

export interface Admitted {
  /** The body's one content coding, if any. */
  readonly coding: string | undefined;
  /** The client address whose budget of failed authentications this request spends. */
  readonly client: string;
  readonly admission: Admission;
}

/** Runs a vendor's authentication and settles the client's budget: a failure is spent, a success gives back what was reserved. */
export function authenticated(failures: AuthFailureLimit, client: string, admission: Admission, authenticate: () => void): void {
  try {
    authenticate();
  } catch (error) {
    failures.failed(client, admission);
    throw error;
  }
  failures.passed(client, admission);
}
