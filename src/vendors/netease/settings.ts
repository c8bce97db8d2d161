import { envInteger, secretList as sharedSecretList } from '../../settings';
import { z } from 'zod';

/**
 * A NetEase AppSecret as the console shows it. Anything that could be a copy-and-paste slip (spaces,
 * quotes, control characters) is refused at startup: a secret that is almost right fails every
 * CheckSum, and the error never names the secret itself.
 */
const secretList = sharedSecretList({
  maxLength: 128,
  pattern: { regex: /^[\x21\x23-\x26\x28-\x5f\x61-\x7e]+$/, message: 'must be visible ASCII characters without spaces or quotes (write the secret as the console shows it)' },
});

/** What an AppKey looks like (the console shows 32 hex digits). */
export const appKeyPattern = /^[0-9A-Za-z_-]{1,64}$/;

/** The NetEase fragment of the one environment schema (README configuration table). */
export const neteaseEnv = {
  NETEASE_APP_SECRETS: secretList
    .optional()
    .describe(
      'NetEase AppSecret(s); enables POST /netease/callback, which checks MD5 and CheckSum against them. One secret is used exactly as given; several (rotation), or one containing a comma, are written as a JSON array: ["new","old"]. Also read from NETEASE_APP_SECRETS_FILE',
    ),
  NETEASE_APP_KEY: z
    .string()
    .regex(appKeyPattern, 'expected the AppKey as the NetEase console shows it (letters and digits, no spaces)')
    .optional()
    .describe('The NetEase AppKey; when set, a request whose AppKey header differs is refused (403). Requests without the header are accepted'),
  NETEASE_CURTIME_WINDOW_SECONDS: envInteger(1, 7 * 86400)
    .optional()
    .describe('Largest accepted difference between the CurTime header and the local clock, in seconds; unset = no freshness check (NetEase documents no window, and retries may keep their CurTime)'),
};

export type NeteaseEnv = z.output<z.ZodObject<typeof neteaseEnv>>;

export interface NeteaseSettings {
  readonly appSecrets: readonly string[];
  /** The configured AppKey; undefined accepts any AppKey header. */
  readonly appKey: string | undefined;
  /** Freshness window for CurTime in seconds; undefined disables the check. */
  readonly curTimeWindowSeconds: number | undefined;
}

/** The NetEase route is served only when secrets are configured. */
export function neteaseSettings(env: NeteaseEnv): NeteaseSettings | undefined {
  if (env.NETEASE_APP_SECRETS === undefined) return undefined;
  return {
    appSecrets: env.NETEASE_APP_SECRETS,
    appKey: env.NETEASE_APP_KEY,
    curTimeWindowSeconds: env.NETEASE_CURTIME_WINDOW_SECONDS,
  };
}

export function neteaseWarnings(settings: NeteaseSettings | undefined): string[] {
  if (settings === undefined) return [];
  return settings.appKey === undefined ? ['NETEASE_APP_KEY is not set: NetEase callbacks are accepted for any AppKey that signs with a configured secret'] : [];
}
