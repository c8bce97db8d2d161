import { z } from 'zod';
import { AdminError, type Admin } from '../pipeline/admin';
import { routes } from './routes';

/** An answer other than success from the admin API (or its in-process form), with the HTTP status. */
export class AdminCallError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export interface CallInput {
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  readonly body?: unknown;
}

/** The admin API as a client sees it: the same routes over HTTP (service running) or in process (spool opened here). */
export interface AdminClient {
  call(method: 'get' | 'post', path: string, input?: CallInput): Promise<unknown>;
}

const queryString = (query: CallInput['query'] = {}) => {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
};

/** The admin API over HTTP with an operator token. */
export function httpAdminClient(baseUrl: string, token: string, timeoutMs = 60_000): AdminClient {
  return {
    async call(method, path, input = {}) {
      let res: Response;
      try {
        res = await fetch(`${baseUrl.replace(/\/$/, '')}${path}${queryString(input.query)}`, {
          method: method.toUpperCase(),
          headers: { authorization: `Bearer ${token}`, ...(input.body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: input.body === undefined ? undefined : JSON.stringify(input.body),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        throw new AdminCallError(503, 'unreachable', `the admin API at ${baseUrl} did not answer: ${(error as Error).message}`);
      }
      const answer = (await res.json().catch(() => ({}))) as { error?: string; message?: string };
      if (!res.ok) throw new AdminCallError(res.status, answer.error ?? 'error', answer.message ?? `HTTP ${res.status}`);
      return answer;
    },
  };
}

const httpStatus: Record<AdminError['kind'], number> = { not_found: 404, refused: 409, invalid: 400 };

/** The same routes, schemas and handlers called in this process (the CLI holding the spool itself). */
export function inProcessAdminClient(admin: Admin, actor: string): AdminClient {
  const table = routes.map((r) => ({ route: r, pattern: new RegExp(`^${r.path.replace(/:(\w+)/g, '(?<$1>[^/]+)')}$`) }));
  const parse = (schema: z.ZodType | undefined, value: unknown) => {
    if (!schema) return undefined;
    const result = schema.safeParse(value ?? {});
    if (!result.success) throw new AdminCallError(400, 'invalid', z.prettifyError(result.error).replace(/\n/g, ' '));
    return result.data;
  };
  return {
    async call(method, path, input = {}) {
      const found = table.map((t) => ({ ...t, match: t.route.method === method ? t.pattern.exec(path) : null })).find((t) => t.match);
      if (!found?.match) throw new AdminCallError(404, 'not_found', `no route ${method.toUpperCase()} ${path}`);
      const query = Object.fromEntries(Object.entries(input.query ?? {}).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
      const call = { params: parse(found.route.params, found.match.groups), query: parse(found.route.query, query), body: parse(found.route.body, input.body), actor };
      try {
        return await found.route.handle(admin, call as never);
      } catch (error) {
        if (error instanceof AdminError) throw new AdminCallError(httpStatus[error.kind], error.kind, error.message);
        throw error;
      }
    },
  };
}
