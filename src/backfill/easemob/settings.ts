import { z } from 'zod';
import { duration, envInteger } from '../../settings';
import { appKeyPattern } from '../../vendors/easemob/settings';

/** The Easemob hourly reconciliation's fragment of the one environment schema (the README table is generated from it). */
export const easemobBackfillEnv = {
  BACKFILL_EASEMOB_URL: z.url({ protocol: /^https?$/ }).optional()
    .describe("Easemob REST base URL of the app's cluster (e.g. https://a1.easemob.com); when set, every hour's history file (chatmessages/{yyyyMMddHH}) is read once it is due and each message the callbacks did not bring is taken in"),
  BACKFILL_EASEMOB_APPKEY: z.string().regex(appKeyPattern, 'expected an App Key such as acme#chatapp').optional()
    .describe('The App Key (org#app) whose history is read; defaults to EASEMOB_APPKEY'),
  BACKFILL_EASEMOB_CLIENT_ID: z.string().min(1).max(256).optional()
    .describe('Client ID of the app (console, app details), for the app token; required with BACKFILL_EASEMOB_URL (or BACKFILL_EASEMOB_CLIENT_ID_FILE)'),
  BACKFILL_EASEMOB_CLIENT_SECRET: z.string().min(1).max(256).optional()
    .describe('Client secret of the app, for the app token; required with BACKFILL_EASEMOB_URL (or BACKFILL_EASEMOB_CLIENT_SECRET_FILE)'),
  BACKFILL_EASEMOB_TIME_ZONE: z.enum(['Asia/Shanghai', 'UTC']).default('Asia/Shanghai')
    .describe("How the cluster names hours: Asia/Shanghai (Beijing time) on Chinese clusters, UTC on the others"),
  BACKFILL_EASEMOB_DELAY: duration.prefault('70m')
    .describe("How long after an hour ends its history file is first asked for (Easemob writes it within about an hour; a file not stored yet is asked for again every 10 minutes)"),
  BACKFILL_EASEMOB_RETENTION: duration.prefault('3d')
    .describe('How long Easemob keeps the history files (3 days unless extended by contract); older hours are recorded as unfillable'),
  BACKFILL_EASEMOB_RATE: envInteger(1, 10).default(5)
    .describe('History-file API calls per minute, after a burst of 10 minus this (the documented limit is 10 a minute per App Key, never exceeded in any minute; leave room for other users of the API)'),
  BACKFILL_EASEMOB_MAX_FILE: envInteger(1024).default(2 * 1024 ** 3)
    .describe('Most bytes of one history file read, unpacked; a larger file is refused and its hour recorded as unfillable'),
  BACKFILL_EASEMOB_CHECK_INTERVAL: duration.prefault('1m')
    .describe('How often the gateway looks for hour files that became due'),
};

type Env = z.output<z.ZodObject<typeof easemobBackfillEnv>> & { readonly EASEMOB_APPKEY?: string | undefined };

export interface EasemobBackfillSettings {
  readonly url: string;
  readonly org: string;
  readonly app: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly timeZone: 'Asia/Shanghai' | 'UTC';
  readonly delayMs: number;
  readonly retentionMs: number;
  readonly perMinute: number;
  readonly maxFileBytes: number;
  readonly checkIntervalMs: number;
}

/** Undefined when BACKFILL_EASEMOB_URL is unset; throws the configuration error when it is set without what it needs. */
export function easemobBackfillSettings(e: Env): EasemobBackfillSettings | undefined {
  if (e.BACKFILL_EASEMOB_URL === undefined) return undefined;
  const appKey = e.BACKFILL_EASEMOB_APPKEY ?? e.EASEMOB_APPKEY;
  const missing = [appKey === undefined && 'BACKFILL_EASEMOB_APPKEY (or EASEMOB_APPKEY)', e.BACKFILL_EASEMOB_CLIENT_ID === undefined && 'BACKFILL_EASEMOB_CLIENT_ID', e.BACKFILL_EASEMOB_CLIENT_SECRET === undefined && 'BACKFILL_EASEMOB_CLIENT_SECRET'].filter(Boolean);
  if (missing.length > 0) throw new Error(`Invalid configuration:\n✖ BACKFILL_EASEMOB_URL needs ${missing.join(', ')}: the history is read with an app token\n  → at ${String(missing[0]).split(' ')[0]}`);
  const [org, app] = (appKey as string).split('#') as [string, string];
  return {
    url: e.BACKFILL_EASEMOB_URL,
    org,
    app,
    clientId: e.BACKFILL_EASEMOB_CLIENT_ID as string,
    clientSecret: e.BACKFILL_EASEMOB_CLIENT_SECRET as string,
    timeZone: e.BACKFILL_EASEMOB_TIME_ZONE,
    delayMs: e.BACKFILL_EASEMOB_DELAY,
    retentionMs: e.BACKFILL_EASEMOB_RETENTION,
    perMinute: e.BACKFILL_EASEMOB_RATE,
    maxFileBytes: e.BACKFILL_EASEMOB_MAX_FILE,
    checkIntervalMs: e.BACKFILL_EASEMOB_CHECK_INTERVAL,
  };
}
