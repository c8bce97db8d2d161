/** How long one call of a vendor's history API may take, unless configured otherwise. */
export const defaultRequestTimeoutMs = 10_000;

/** A signal that aborts when `signal` does (the caller stops) or after `ms` (the call took too long). */
export function withTimeout(signal: AbortSignal | undefined, ms: number): AbortSignal {
  const timeout = AbortSignal.timeout(ms);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}
