import type { Request } from 'express';

/** The session cookie's name; its path keeps it to the console's own routes. */
export const SESSION_COOKIE = 'imgw_console';

/** One cookie's value from the request's Cookie header (no other cookie library needed for one name). */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * `always` and `never` force the Secure attribute; `auto` sets it when the request reached the
 * gateway over TLS, as Express reports it (`req.secure`: a TLS socket, or `X-Forwarded-Proto: https`
 * from a proxy the admin app's `trust proxy` setting trusts — never from any client).
 */
export type CookieSecurity = 'auto' | 'always' | 'never';

export function sessionCookie(req: Request, value: string, maxAgeSeconds: number, security: CookieSecurity, path: string): string {
  const secure = security === 'always' || (security === 'auto' && req.secure);
  const parts = [`${SESSION_COOKIE}=${value}`, `Path=${path}`, `Max-Age=${maxAgeSeconds}`, 'HttpOnly', 'SameSite=Strict'];
  if (secure) parts.push('Secure');
  return parts.join('; ');
}
