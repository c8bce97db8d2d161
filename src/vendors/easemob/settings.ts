import { envInteger, secretList } from '../../settings';
import { z } from 'zod';

/** An Easemob App Key: `org#app` (the console shows it this way; the REST paths use `/org/app`). */
export const appKeyPattern = /^[A-Za-z0-9_-]{1,64}#[A-Za-z0-9_-]{1,64}$/;

/** The Easemob callback's fragment of the one environment schema (the README table is generated from it). */
export const easemobEnv = {
  EASEMOB_CALLBACK_SECRETS: secretList({ maxLength: 256 })
    .optional()
    .describe(
      'Secret(s) of the Easemob post-send callback rule; enables POST /easemob/callback. One secret is used exactly as given; several (rotation), or one containing a comma, are written as a JSON array: ["new","old"]. Also read from EASEMOB_CALLBACK_SECRETS_FILE',
    ),
  EASEMOB_APPKEY: z
    .string()
    .regex(appKeyPattern, 'expected an App Key such as acme#chatapp')
    .optional()
    .describe('The App Key (org#app) whose callbacks are accepted; when unset every App Key is accepted (with a warning at startup)'),
  EASEMOB_TIMESTAMP_WINDOW_SECONDS: envInteger(0, 7 * 86_400)
    .default(0)
    .describe(
      'Refuse Easemob callbacks whose timestamp is further than this from the local clock, in seconds; 0 = off. Keep it generous (minutes): the timestamp is when Easemob received the message and callbacks can lag',
    ),
};

export type EasemobEnv = z.output<z.ZodObject<typeof easemobEnv>>;

export interface EasemobCallbackSettings {
  /** Callback rule secrets; any one of them may have signed a request (rotation). */
  readonly secrets: readonly string[];
  /** The accepted App Key; undefined accepts every App Key. */
  readonly appKey: string | undefined;
  /** 0 = no freshness check. */
  readonly timestampWindowMs: number;
}

/** Undefined when no callback secret is configured: the route then answers 404 with a hint. */
export function easemobSettings(env: EasemobEnv): EasemobCallbackSettings | undefined {
  if (env.EASEMOB_CALLBACK_SECRETS === undefined) return undefined;
  return {
    secrets: env.EASEMOB_CALLBACK_SECRETS,
    appKey: env.EASEMOB_APPKEY,
    timestampWindowMs: env.EASEMOB_TIMESTAMP_WINDOW_SECONDS * 1000,
  };
}

export function easemobWarnings(settings: EasemobCallbackSettings | undefined): string[] {
  if (settings === undefined || settings.appKey !== undefined) return [];
  return ['EASEMOB_APPKEY is not set: Easemob callbacks signed with the secret are accepted for every App Key'];
}
