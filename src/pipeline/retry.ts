/**
 * Exponential backoff with full jitter: a random delay between 0 and min(max, initial * 2^attempt).
 * https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function backoffDelay(
  attempt: number,
  policy: { readonly retryInitialMs: number; readonly retryMaxMs: number },
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.retryMaxMs, policy.retryInitialMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
