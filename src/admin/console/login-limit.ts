import { RateLimiterMemory } from 'rate-limiter-flexible';

export interface LoginLimitSettings {
  /** Failed sign-ins a client may make per window before it must wait. */
  readonly failures: number;
  readonly windowSeconds: number;
}

export const defaultLoginLimit: LoginLimitSettings = { failures: 5, windowSeconds: 60 };

/**
 * Failed sign-ins counted per client address (rate-limiter-flexible's in-memory limiter). Only failures
 * count, so an operator who signs in correctly is not held back; a success does not clear the count
 * (the window does), or anyone holding one valid token could guess others between sign-ins for ever.
 */
export function createLoginLimit(settings: LoginLimitSettings = defaultLoginLimit) {
  const limiter = new RateLimiterMemory({ points: settings.failures, duration: settings.windowSeconds, keyPrefix: 'console-login' });
  return {
    /** Seconds the client must wait before another attempt, or 0 when it may try now. */
    async blockedFor(client: string): Promise<number> {
      const state = await limiter.get(client);
      if (state === null || state.consumedPoints < settings.failures) return 0;
      return Math.max(1, Math.ceil(state.msBeforeNext / 1000));
    },
    async failed(client: string): Promise<void> {
      // A rejection only means the client is over the limit, which blockedFor reports next time.
      await limiter.consume(client).catch(() => undefined);
    },
  };
}

export type LoginLimit = ReturnType<typeof createLoginLimit>;
