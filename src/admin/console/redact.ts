/**
 * Secrets in a quarantined request's head (signatures, tokens, checksums, cookies) never reach the
 * browser: the console replaces their values before answering, whatever the admin API returned.
 */
const secretName = /sign|token|secret|pass|auth|checksum|cookie|nonce|key/i;
export const REDACTED = '[redacted]';

export function redactQuery(query: string): string {
  const params = new URLSearchParams(query);
  for (const name of [...new Set(params.keys())]) if (secretName.test(name)) params.set(name, REDACTED);
  return params.toString();
}

export function redactHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, secretName.test(name) ? REDACTED : value]));
}

/** Redacts `head` in an answer that has one (a quarantine detail); anything else is returned as is. */
export function redactHead(data: unknown): unknown {
  if (typeof data !== 'object' || data === null || !('head' in data) || typeof data.head !== 'object' || data.head === null) return data;
  const head = data.head as { query?: unknown; headers?: unknown };
  return {
    ...data,
    head: {
      ...head,
      ...(typeof head.query === 'string' ? { query: redactQuery(head.query) } : {}),
      ...(typeof head.headers === 'object' && head.headers !== null ? { headers: redactHeaders(head.headers as Record<string, string>) } : {}),
    },
  };
}
