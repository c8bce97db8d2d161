import { randomBytes } from 'node:crypto';

/** Who a token belongs to, as the admin API's token check answers. */
export interface Principal {
  readonly name: string;
  readonly role: 'viewer' | 'operator';
}

/** A signed-in browser: the operator's token stays here, in memory, and never goes back to the browser. */
export interface Session {
  readonly id: string;
  readonly principal: Principal;
  /** The bearer token the console presents to each pod's admin API on this operator's behalf. */
  readonly token: string;
  /** Sent by the page in `X-CSRF-Token` with every change. */
  readonly csrf: string;
  readonly createdAt: number;
  lastSeenAt: number;
}

export interface SessionLimits {
  /** A session ends this long after sign-in, whatever happens. */
  readonly maxAgeMs: number;
  /** A session ends after this long without a request. */
  readonly idleMs: number;
  /** At most this many sessions live at once; a new one evicts the least recently used. */
  readonly max: number;
  /**
   * At most this many sessions of one token at once; a new one evicts that token's least recently
   * used, so signing in again and again with one token never signs anyone else out.
   */
  readonly perPrincipal?: number;
}

export const defaultSessionLimits: SessionLimits = { maxAgeMs: 8 * 3600_000, idleMs: 30 * 60_000, max: 1000, perPrincipal: 20 };

const newSecret = () => randomBytes(32).toString('base64url');

/**
 * Server-side sessions in memory, bounded in number and lifetime, on the injected clock. A restart
 * signs everyone out, which is the safe side for an operator console. Lookups refresh the idle timer.
 */
export function createSessionStore(clock: () => number, limits: SessionLimits = defaultSessionLimits) {
  // A Map keeps insertion order: re-inserting on each use makes the first entry the least recently used.
  const sessions = new Map<string, Session>();
  const expired = (session: Session, now: number) => now - session.createdAt >= limits.maxAgeMs || now - session.lastSeenAt >= limits.idleMs;

  return {
    create(principal: Principal, token: string): Session {
      const now = clock();
      // Ended by time first (oldest use first), then the same token's least recently used, then anyone's.
      for (const [id, session] of sessions) {
        if (!expired(session, now)) break;
        sessions.delete(id);
      }
      const own = [...sessions.values()].filter((session) => session.principal.name === principal.name);
      for (let i = 0; own.length - i >= (limits.perPrincipal ?? defaultSessionLimits.perPrincipal ?? Infinity); i += 1) sessions.delete((own[i] as Session).id);
      while (sessions.size >= limits.max) {
        const oldest = sessions.keys().next().value;
        if (oldest === undefined) break;
        sessions.delete(oldest);
      }
      const session: Session = { id: newSecret(), principal, token, csrf: newSecret(), createdAt: now, lastSeenAt: now };
      sessions.set(session.id, session);
      return session;
    },
    /** The live session with this id, or undefined (unknown, ended or expired). */
    get(id: string | undefined): Session | undefined {
      if (id === undefined) return undefined;
      const session = sessions.get(id);
      if (session === undefined) return undefined;
      const now = clock();
      sessions.delete(id);
      if (expired(session, now)) return undefined;
      session.lastSeenAt = now;
      sessions.set(id, session);
      return session;
    },
    end(id: string | undefined): void {
      if (id !== undefined) sessions.delete(id);
    },
    get size(): number {
      return sessions.size;
    },
    /** Seconds the cookie may live: the absolute lifetime (the idle limit is enforced here). */
    cookieMaxAgeSeconds: Math.floor(limits.maxAgeMs / 1000),
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
