/**
 * The catalogue of reasons a callback is not simply accepted. Each reason fixes the HTTP status, the
 * metric outcome, the default `ErrorInfo` and, where a later try can succeed, the `Retry-After`; a
 * thrown `CallbackError` may carry a more precise text.
 * The texts are vendor-neutral; a vendor throws a `CallbackError` with its own precise text, and its
 * `reply` renderer may answer a reason with another status (Tencent's before-callbacks fail open).
 */
export const failureReasons = {
  bad_query: { httpStatus: 400, outcome: 'rejected', info: 'invalid callback query' },
  auth_failed: { httpStatus: 401, outcome: 'rejected', info: 'signature check failed' },
  app_not_allowed: { httpStatus: 403, outcome: 'rejected', info: 'the app is not allowed' },
  not_found: { httpStatus: 404, outcome: 'rejected', info: 'no such endpoint; vendors call POST /<vendor>/callback (tencent, netease, easemob)' },
  method_not_allowed: { httpStatus: 405, outcome: 'rejected', info: 'callbacks must be sent with POST' },
  unreadable_body: { httpStatus: 400, outcome: 'rejected', info: 'request body could not be read' },
  payload_too_large: { httpStatus: 413, outcome: 'rejected', info: 'body is larger than the limit' },
  encoding_not_accepted: { httpStatus: 415, outcome: 'rejected', info: 'Content-Encoding not accepted; send the body as is or in gzip or deflate' },
  rate_limited: { httpStatus: 429, outcome: 'rejected', info: 'too many callbacks; retry later', retryAfterSeconds: 1 },
  too_many_auth_failures: { httpStatus: 429, outcome: 'rejected', info: 'too many failed authentications from this client; retry later', retryAfterSeconds: 1 },
  spool_full: { httpStatus: 503, outcome: 'failed', info: 'spool is full; retry later', retryAfterSeconds: 5 },
  spool_damaged: { httpStatus: 503, outcome: 'failed', info: 'spool is damaged; an operator must act (see the runbook)', retryAfterSeconds: 30 },
  sink_unavailable: { httpStatus: 503, outcome: 'failed', info: 'a required sink did not take the event; retry later', retryAfterSeconds: 1 },
  spool_unavailable: { httpStatus: 503, outcome: 'failed', info: 'could not store the event; retry later', retryAfterSeconds: 1 },
  internal: { httpStatus: 500, outcome: 'failed', info: 'internal error' },
} as const;

export type FailureReason = keyof typeof failureReasons;

/** The `Retry-After` seconds of a reason, where a later try can succeed. */
export function retryAfterSeconds(reason: FailureReason): number | undefined {
  const entry = failureReasons[reason];
  return 'retryAfterSeconds' in entry ? entry.retryAfterSeconds : undefined;
}

/** An expected, request-scoped failure. `message` is safe to show to the caller. */
export class CallbackError extends Error {
  constructor(
    readonly reason: FailureReason,
    message: string = failureReasons[reason].info,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CallbackError';
  }
}

/**
 * Reasons an authenticated request is kept in quarantine instead of becoming an event. The request
 * is answered `OK` (it is safe with us) and can be re-driven after a fix.
 */
export const quarantineReasons = {
  empty_body: 'body is empty',
  invalid_encoding: 'body is not valid UTF-8',
  malformed_json: 'body is not valid JSON',
  command_mismatch: 'the command in the body differs from the one in the request head',
  unsupported_encoding: 'body could not be decoded with its Content-Encoding (corrupt, or larger than `MAX_BODY_BYTES` once decoded)',
  invalid_payload: 'body failed validation',
} as const;

export type QuarantineReason = keyof typeof quarantineReasons;

/** Turns anything thrown on the request path into a `CallbackError`. */
export function toCallbackError(error: unknown): CallbackError {
  if (error instanceof CallbackError) return error;
  const type = (error as { type?: unknown } | null)?.type;
  if (type === 'entity.too.large') {
    const limit = (error as { limit?: number }).limit;
    return new CallbackError('payload_too_large', `body is larger than ${limit} bytes`, { cause: error });
  }
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new CallbackError('unreadable_body', undefined, { cause: error });
  }
  return new CallbackError('internal', undefined, { cause: error });
}
