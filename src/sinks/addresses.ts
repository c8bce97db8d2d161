/**
 * How sinks name where they write and why it failed, for thrown errors and logs: the address without
 * credentials or query (which may hold tokens), and the low-level cause behind a vague message such as
 * `fetch failed` or `Connection is closed.` (`ECONNREFUSED`, `ENOTFOUND`, a TLS error, …).
 */

/** `scheme://host:port/path` of a URL: no user, password, query or fragment. */
export function safeAddress(url: string | URL): string {
  try {
    const u = typeof url === 'string' ? new URL(url) : url;
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return '(invalid address)';
  }
}

/** The innermost useful message of an error: its `cause` chain and the errors of an AggregateError. */
export function causeText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0) {
      parts.push(unique(errors.map((e) => messageOf(e))).join(' / '));
      break;
    }
    const message = messageOf(current);
    const code = (current as { code?: unknown }).code;
    const text = typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
    if (text && !parts.includes(text)) parts.push(text);
    current = (current as { cause?: unknown }).cause;
  }
  // The outer messages of fetch and friends ("fetch failed") say nothing once a cause is known.
  const useful = parts.length > 1 ? parts.filter((p) => !vague.has(p)) : parts;
  return useful.join(': ') || 'unknown error';
}

const vague = new Set(['fetch failed', 'Connection is closed.', 'other side closed', 'terminated']);

/** Duck-typed: errors from another realm (a VM context, a worker) are not `instanceof Error` here. */
function messageOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    return (error as { message: string }).message || String((error as { name?: unknown }).name ?? 'Error');
  }
  return String(error);
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
