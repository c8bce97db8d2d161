import { timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { verifyToken, type OperatorToken } from './tokens';

/** Why a request is not let in, with its HTTP status. */
export class AuthError extends Error {
  constructor(readonly status: 401 | 403 | 429, readonly code: string, message: string, readonly retryAfterSeconds?: number) {
    super(message);
  }
}

export interface AuthOptions {
  readonly tokens: () => readonly OperatorToken[];
  /** Failed attempts a client may make per `windowSeconds` before it is refused (10 per 5 minutes). */
  readonly maxFailures?: number;
  readonly windowSeconds?: number;
  readonly onFailure?: (reason: 'missing' | 'unknown' | 'limited') => void;
  /**
   * This process's console key: a request that carries it in `X-Imgw-Console-Key` is this pod's own
   * console calling its API on an operator's behalf from 127.0.0.1, the address every local client and
   * `kubectl port-forward` shares, so another client's wrong tokens never lock the console out.
   */
  readonly consoleKey?: string;
  /** A token a locked-out client may still use: the per-start local token, which only the data directory holds. */
  readonly exempt?: (token: OperatorToken) => boolean;
}

/**
 * Bearer-token authentication for the admin listener. A client (by its address) that presents too
 * many missing or unknown tokens is refused with 429 for the rest of the window, even with a good
 * token, so tokens cannot be guessed at speed. Nothing here logs or returns a presented token.
 */
/** Compared as bytes: a header's characters are Latin-1, so its length in UTF-8 may differ from its length in characters. */
function sameText(presented: string | string[] | undefined, expected: string): boolean {
  if (typeof presented !== 'string') return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function createAuthenticator(options: AuthOptions) {
  const failures = new RateLimiterMemory({ keyPrefix: 'imgw-admin-auth', points: options.maxFailures ?? 10, duration: options.windowSeconds ?? 300 });

  async function refuse(client: string, reason: 'missing' | 'unknown'): Promise<never> {
    options.onFailure?.(reason);
    try {
      await failures.consume(client);
    } catch (limited) {
      if (limited instanceof RateLimiterRes) throw limitedError(limited);
      throw limited;
    }
    throw new AuthError(401, reason === 'missing' ? 'missing_token' : 'unknown_token', reason === 'missing' ? 'send Authorization: Bearer <operator token>' : 'unknown token');
  }

  function limitedError(res: RateLimiterRes): AuthError {
    options.onFailure?.('limited');
    const seconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
    return new AuthError(429, 'too_many_failures', `too many failed logins from this client: try again in ${seconds} s`, seconds);
  }

  return {
    /** The caller's token entry; throws `AuthError` when there is none or the client is locked out. */
    async authenticate(req: Request): Promise<OperatorToken> {
      const fromConsole = options.consoleKey !== undefined && sameText(req.headers['x-imgw-console-key'], options.consoleKey);
      // The console's own calls are counted apart from the address they share with other local clients.
      const client = fromConsole ? 'console' : (req.socket.remoteAddress ?? 'unknown');
      const match = /^Bearer ([\x21-\x7e]{1,512})$/.exec(req.headers.authorization ?? '');
      const token = match ? verifyToken(options.tokens(), match[1] as string) : undefined;
      const state = await failures.get(client);
      // Locked out: refused even with a good token (the same answer either way), but for an exempt one.
      if (state && state.remainingPoints <= 0 && !(token && options.exempt?.(token))) throw limitedError(state);
      if (!match) return refuse(client, 'missing');
      if (!token) return refuse(client, 'unknown');
      return token;
    },
  };
}

export type Authenticator = ReturnType<typeof createAuthenticator>;
