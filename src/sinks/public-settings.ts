import { sinkName, type SinkConfig } from './registry';

/** What stands in for a secret value. */
export const REDACTED = '[redacted]';

/** A sink's effective settings (defaults applied) as an operator may see them: every secret replaced by `[redacted]`. */
export interface PublicSinkSettings {
  readonly name: string;
  readonly type: string;
  readonly settings: Readonly<Record<string, unknown>>;
}

// Settings holding a secret by their name (a setting that names a file holding one, `…File`, is a path and stays).
const secretName = /secret|token|pass|credential|api-?key|private|authorization|cookie/i;
const pathName = /File$/;
// Every header value may carry a credential, whatever the header is called (Authorization, X-Api-Key, a signed cookie…).
const valuesHidden = new Set(['headers']);

/**
 * Redacts a URL's user and password and the value of every query parameter (`?code=`, `?access_token=`,
 * `?sslpassword=`: a query parameter is a usual place for a key). The scheme, host, port, path and the
 * parameters' names stay. A string that only looks like a URL is redacted whole.
 */
export function redactUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return REDACTED;
  }
  // Without a host (`user:pass@host` read as scheme and path), nothing in it can be told apart.
  if (url.host === '') return REDACTED;
  const userinfo = url.username !== '' || url.password !== '' ? `${REDACTED}@` : '';
  const names = [...new Set(url.searchParams.keys())];
  const query = names.length === 0 ? '' : `?${names.map((name) => `${encodeURIComponent(name)}=${REDACTED}`).join('&')}`;
  return `${url.protocol}//${userinfo}${url.host}${url.pathname}${query}`;
}

function redactValue(key: string, value: unknown): unknown {
  if (value === undefined || value === null) return value;
  // A number or a flag named like a secret is a setting about it (`tokenTtlSeconds`), not the secret.
  if (secretName.test(key) && !pathName.test(key) && typeof value !== 'number' && typeof value !== 'boolean') return Array.isArray(value) ? value.map(() => REDACTED) : REDACTED;
  if (valuesHidden.has(key) && typeof value === 'object') return Object.fromEntries(Object.keys(value).map((name) => [name, REDACTED]));
  if (typeof value === 'string') return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) || value.includes('@') ? redactUrl(value) : value;
  if (Array.isArray(value)) return value.map((item) => redactValue(key, item));
  if (typeof value === 'object') return redactObject(value as Record<string, unknown>);
  return value;
}

function redactObject(object: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).map(([key, value]) => [key, redactValue(key, value)]));
}

/**
 * A sink's settings as the admin API shows them. Secrets are found by the setting's name (passwords,
 * tokens, client secrets, signing secrets), by place (every header value, a URL's user, password and
 * query values) and by shape (anything with `@` or a scheme is treated as a URL), so a setting added
 * later leaks only if it is none of these.
 */
export function publicSinkSettings(config: SinkConfig): PublicSinkSettings {
  return { name: sinkName(config), type: config.type, settings: redactObject(config as unknown as Record<string, unknown>) };
}
