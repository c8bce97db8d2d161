import { envInteger } from '../../settings';
import { z } from 'zod';

/**
 * A NetEase AppSecret as the console shows it. Anything that could be a copy-and-paste slip (an empty
 * item, spaces around an item, quotes, control characters) is refused at startup: a secret that is
 * almost right fails every CheckSum, and the error never names the secret itself.
 */
const secretItem = /^[\x21-\x7e]{1,128}$/;

const secretList = z.string().transform((raw, ctx) => {
  const items = raw.split(',');
  items.forEach((item, index) => {
    const problem = secretProblem(item, items, index);
    if (problem) ctx.addIssue({ code: 'custom', message: `item ${index + 1} of ${items.length}: ${problem}` });
  });
  return items;
});

function secretProblem(item: string, items: readonly string[], index: number): string | undefined {
  if (item === '') return 'is empty (remove the extra comma, or unset the variable)';
  if (item.trim() !== item) return 'has spaces around it (write the list as a,b with no spaces)';
  if (/["'`]/.test(item)) return 'contains a quote (write the secret without quotes)';
  if (!secretItem.test(item)) return 'must be 1-128 visible ASCII characters without spaces';
  if (items.indexOf(item) !== index) return 'repeats an earlier item';
  return undefined;
}

/** What an AppKey looks like (the console shows 32 hex digits). */
export const appKeyPattern = /^[0-9A-Za-z_-]{1,64}$/;

/** The NetEase fragment of the one environment schema (README configuration table). */
export const neteaseEnv = {
  NETEASE_APP_SECRETS: secretList
    .optional()
    .describe(
      'Comma-separated NetEase AppSecrets (several during rotation); enables POST /netease/callback, which checks MD5 and CheckSum against them. Also read from NETEASE_APP_SECRETS_FILE',
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
