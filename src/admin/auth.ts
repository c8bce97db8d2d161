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
}

/**
 * Bearer-token authentication for the admin listener. A client (by its address) that presents too
 * many missing or unknown tokens is refused with 429 for the rest of the window, even with a good
 * token, so tokens cannot be guessed at speed. Nothing here logs or returns a presented token.
 */
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
      const client = req.socket.remoteAddress ?? 'unknown';
      const state = await failures.get(client);
      if (state && state.remainingPoints <= 0) throw limitedError(state);
      const match = /^Bearer ([\x21-\x7e]{1,512})$/.exec(req.headers.authorization ?? '');
      if (!match) return refuse(client, 'missing');
      const token = verifyToken(options.tokens(), match[1] as string);
      if (!token) return refuse(client, 'unknown');
      return token;
    },
  };
}

export type Authenticator = ReturnType<typeof createAuthenticator>;
