/** An element, recipient or message a relay target cannot take: the event fails alone with this reason (a dead letter). */
export class UnmappableError extends Error {
  override readonly name = 'UnmappableError';
}

/**
 * The call went out but no answer came (a timeout, a broken connection): the target may or may not
 * have delivered it. Every other failure is an answer (or happened before the call) and sent nothing.
 */
export class UnansweredSendError extends Error {
  override readonly name = 'UnansweredSendError';
}
