import { tencentUserSig } from '../../../protocols/tencent-usersig';

/**
 * The admin UserSig, kept and made anew at half its life, or when Tencent says it is expired or
 * invalid. The secret key appears in no message.
 */
export interface UserSigs {
  /** A UserSig for the admin identifier, valid for at least half its lifetime. */
  get(): string;
  /** Tencent refused `sig` (expired, invalid): the next `get` makes a new one (once per refused sig). */
  invalidate(sig: string): void;
}

export interface UserSigOptions {
  readonly sdkAppId: number;
  readonly identifier: string;
  readonly secretKey: string;
  readonly ttlSeconds: number;
  readonly clock: () => number;
}

export function createUserSigs(options: UserSigOptions): UserSigs {
  let current: { sig: string; renewAt: number } | undefined;
  return {
    get() {
      const now = options.clock();
      if (!current || now >= current.renewAt) {
        current = { sig: tencentUserSig(options.sdkAppId, options.identifier, options.secretKey, Math.floor(now / 1000), options.ttlSeconds), renewAt: now + (options.ttlSeconds * 1000) / 2 };
      }
      return current.sig;
    },
    invalidate(sig) {
      if (current?.sig === sig) current = undefined;
    },
  };
}
