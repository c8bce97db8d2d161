import YAML from 'yaml';
import { z } from 'zod';
import type { NeteaseBackfillSettings } from './backfill/netease/window-filler';
import { consoleEnv, type ConsoleEnv } from './admin/console/settings';
import { parseOperatorTokens, type OperatorToken } from './admin/tokens';
import { sinkConfigSchema, sinkName, type SinkConfig } from './sinks/registry';
import { csv, duration, envInteger, envNumber, secretList } from './settings';
import { vendorModules } from './vendors/registry';
import { easemobBackfillEnv, easemobBackfillSettings, type EasemobBackfillSettings } from './backfill/easemob/settings';
import type { BackfillQuotaSettings } from './backfill/quota';

/**
 * Every environment variable the service reads. The keys are the variable names; the descriptions
 * are the README's configuration table (a unit test keeps the two in step).
 */
const serviceEnv = {
  PORT: envInteger(0, 65535).default(8080).describe('HTTP port; 0 picks a free port'),
  HOST: z.string().min(1).optional().describe('Interface to listen on; all interfaces when unset'),
  DATA_DIR: z.string().min(1).default('./data').describe('Directory for the spool database and the default file sink'),
  MAX_BODY_BYTES: envInteger(1024, 64 * 1024 * 1024).default(1024 * 1024)
    .describe('Largest callback body accepted; larger bodies get 413'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')
    .describe('pino log level'),
  LOG_SUMMARY_INTERVAL: duration.prefault('60s')
    .describe('How often a one-line info summary of the traffic is logged (callbacks by outcome, events per sink by outcome, backlog), only when something happened; 0s = never'),
  SPOOL_RETENTION: duration.prefault('24h')
    .describe('How long delivered events stay in the spool (for de-duplication and replay), e.g. 24h'),
  SPOOL_MAX_PENDING: envInteger(0).default(3_000_000)
    .describe('Refuse new callbacks (503) while this many events wait for any one configured sink; 0 = no limit'),
  SPOOL_MAX_BYTES: envInteger(0).default(4 * 1024 ** 3)
    .describe('Spool size bound: from 90 % of it delivered events are pruned early (oldest first); callbacks get 503 only when undelivered data alone reaches it; 0 = no limit'),
  QUARANTINE_MAX_BYTES: envInteger(0).default(256 * 1024 ** 2)
    .describe('Most bytes of quarantined bodies kept; the oldest are dropped first; not counted toward SPOOL_MAX_BYTES; 0 = no limit'),
  QUARANTINE_RETENTION: duration.prefault('30d')
    .describe('How long quarantined requests are kept for inspection and redrive, e.g. 30d'),
  SPOOL_COMMIT_WINDOW: duration.prefault('5ms')
    .describe('Under load (once one fsync covered two or more callbacks; acknowledged deliveries do not count), the least time between two spool commits (each one fsync): gathers concurrent callbacks into one commit, closing early once 16 wait; 0ms = commit every turn of the event loop'),
  SPOOL_MAX_AGE: duration.prefault('0s')
    .describe('Refuse new callbacks (503) while an event has waited this long for a sink, e.g. 6h; 0s = no limit'),
  INGEST_RATE_LIMIT: envNumber().pipe(z.number().min(0)).default(0)
    .describe('Callbacks per second accepted from each vendor before answering 429 (one bucket per vendor); 0 = no limit'),
  AUTH_FAILURE_RATE_LIMIT: envNumber().pipe(z.number().min(0)).default(10)
    .describe('Failed authentications per second allowed from one client address (the forwarded client behind TRUSTED_PROXIES; IPv6 per /64); over it, NetEase and Easemob callbacks from that address get 429 before their body is read (Tencent is authenticated from the URL first); 0 = no limit'),
  MAX_CONNECTIONS: envInteger(1).default(10_000)
    .describe('Most open client connections; more are refused at connect'),
  MAX_CONNECTIONS_PER_CLIENT: envInteger(0).default(1000)
    .describe('Most open connections from one client address (behind a trusted proxy: requests in flight per forwarded address); 0 = no limit'),
  TRUSTED_PROXIES: csv(z.union([z.cidrv4(), z.cidrv6(), z.ipv4(), z.ipv6()], { error: 'expected an IP address or CIDR range' }))
    .optional()
    .describe('Comma-separated addresses or CIDR ranges of load balancers in front of the gateway; their connections are not limited per address, their X-Forwarded-For client is'),
  HTTP_KEEPALIVE_TIMEOUT: duration.prefault('65s')
    .describe('Idle keep-alive connections are closed after this; keep it above your load balancer idle timeout'),
  HTTP_HEADERS_TIMEOUT: duration.prefault('20s').describe('A client must send its request headers within this time'),
  HTTP_REQUEST_TIMEOUT: duration.prefault('30s').describe('A client must send its whole request within this time'),
  ACK_MODE: z.enum(['spool', 'direct']).default('spool')
    .describe('spool: OK after the local spool commit; direct: OK after every required sink has the event (no spool on disk)'),
  DIRECT_DEDUPE_IDS: envInteger(0, 10_000_000)
    .default(100_000)
    .describe('ACK_MODE=direct: how many recent event ids are kept in memory (about 40 bytes each, for at most 10 minutes) to answer a repeat as a duplicate; the sinks de-duplicate by id beyond that'),
  SHUTDOWN_TIMEOUT: duration.prefault('25s')
    .describe('On SIGTERM, how long to wait for in-flight requests and deliveries before exiting, e.g. 25s'),
  GAP_ALIVE_INTERVAL: duration.prefault('5s')
    .describe('How often the gateway notes in the spool that it is alive; after a stop or crash, the time from the last note to the next start is recorded as an outage to backfill'),
  GAP_SEQUENCE_GRACE: duration.prefault('30s')
    .describe('How long a Tencent group MsgSeq that was skipped may still arrive (a retried or reordered callback) before it is recorded as a gap'),
  BACKFILL_OUTAGE_MIN: duration.prefault('60s')
    .describe("An outage longer than this becomes one window per vendor with backfill configured, read back from that vendor's history (60 s wider on each side); shorter ones stay listed as open outage gaps"),
  BACKFILL_SEEN_RETENTION: duration.prefault('7d')
    .describe("How long a conversation the gateway saw a message in is remembered, to be read back after an outage (histories read per conversation, such as Tencent one-to-one); match the vendor's history retention (Tencent roaming: 7 days by default)"),
  BACKFILL_TENCENT_URL: z.url({ protocol: /^https?$/ }).optional()
    .describe("Tencent REST API base URL of the app's region (e.g. https://console.tim.qq.com); when set, Tencent group sequence gaps are filled from the group history (group_msg_get_simple) and outage windows from the one-to-one roaming history (admin_getroammsg)"),
  BACKFILL_TENCENT_ADMIN: z.string().min(1).max(32).default('administrator').describe('The App admin account the history is read as'),
  BACKFILL_TENCENT_KEY: z.string().min(1).optional().describe("The app's secret key, which signs the admin's UserSig; required with BACKFILL_TENCENT_URL (or BACKFILL_TENCENT_KEY_FILE)"),
  BACKFILL_TENCENT_RATE: envNumber().pipe(z.number().positive()).default(200)
    .describe('History calls per second (the documented limit of group_msg_get_simple is 200/s; leave room for other REST use)'),
  BACKFILL_NETEASE_URL: z.url({ protocol: /^https?$/ }).optional()
    .describe("NetEase server API base URL (e.g. https://api.netease.im, or the app's data centre); when set, outage windows are filled from the one-to-one, team and super-team histories of the conversations seen"),
  BACKFILL_NETEASE_APP_KEY: z.string().regex(/^[0-9A-Za-z_-]{1,64}$/).optional()
    .describe('The AppKey the history is read for; defaults to NETEASE_APP_KEY, which backfill needs and which this must equal (the AppKey is part of every event id). Only conversations of this AppKey are read'),
  BACKFILL_NETEASE_SECRET: z.string().min(1).optional()
    .describe('The AppSecret that signs the history calls (CheckSum); required with BACKFILL_NETEASE_URL (or BACKFILL_NETEASE_SECRET_FILE)'),
  BACKFILL_NETEASE_ACCOUNT: z.string().min(1).max(32).optional()
    .describe('The account (accid) team and super-team histories are read as; unset: teams are not read back (a super team shows only what this account may see)'),
  BACKFILL_NETEASE_RATE: envNumber().pipe(z.number().positive()).default(100)
    .describe('History calls per second for the three NetEase history APIs together (the super-team history is documented at 100/s per app, the others follow the plan; 416 beyond)'),
  ...easemobBackfillEnv,
  BACKFILL_REDIS_URL: z.url({ protocol: /^rediss?$/, hostname: /./, error: 'expected a redis:// or rediss:// URL, e.g. redis://redis:6379' }).optional()
    .describe("Share the backfill history quotas (BACKFILL_TENCENT_RATE, BACKFILL_NETEASE_RATE, BACKFILL_EASEMOB_RATE) with every pod through Redis (redis:// or rediss://): the rates are then for all pods together, counted per vendor, app and API. While Redis is away each pod takes its BACKFILL_POD_SHARE"),
  BACKFILL_POD_SHARE: envNumber().pipe(z.number().gt(0).max(1)).default(1)
    .describe('Without BACKFILL_REDIS_URL, or while Redis is away: the share of each backfill history quota this pod takes (1 / number of pods)'),
  ADMIN_PORT: envInteger(0, 65535).optional()
    .describe('Port of the admin API (never the callback port); unset: an OS-chosen port on 127.0.0.1, found by the local CLI through DATA_DIR/admin.json'),
  ADMIN_HOST: z.string().min(1).default('127.0.0.1').describe('Interface of the admin API; 0.0.0.0 only behind a cluster-internal Service'),
  ADMIN_TOKENS: z.string().optional().transform((raw, ctx) => {
    try {
      return raw === undefined ? [] : parseOperatorTokens(raw);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  }).describe('Operator tokens of the admin API: name:role:sha256:<hex digest>, comma- or newline-separated, role viewer or operator (or ADMIN_TOKENS_FILE)'),
  RELAY_KEY: secretList({ maxLength: 1024, pattern: { regex: /^[\s\S]{32,}$/, message: 'is shorter than 32 characters (make one with: openssl rand -base64 32)' } })
    .optional()
    .describe(
      'Key(s) of the relay marker (HMAC-SHA256), the same on every pod; required by relay sinks. The first key signs what a relay sends, every key verifies a message that comes back (rotation: ["new","old"]). At least 32 characters. Also read from RELAY_KEY_FILE',
    ),
  CONFIG_FILE: z.string().min(1).optional().describe('YAML or JSON file with structured settings (the sink list)'),
};

/** Each vendor's settings fragment (`src/vendors/<v>/index.ts`), in registry order. */
const vendorEnv: z.ZodRawShape = Object.assign({}, ...vendorModules.map((module) => module.env));

/** Variables that may come from a file named by `<NAME>_FILE` (secrets mounted by Kubernetes). */
export const secretFileVariables: readonly string[] = ['ADMIN_TOKENS', 'RELAY_KEY', 'BACKFILL_TENCENT_KEY', 'BACKFILL_NETEASE_SECRET', 'BACKFILL_EASEMOB_CLIENT_ID', 'BACKFILL_EASEMOB_CLIENT_SECRET', ...vendorModules.flatMap((module) => module.secretFiles)];

export const envSchema = z.object({ ...serviceEnv, ...consoleEnv, ...vendorEnv });

/** The structured settings that come from the file named by `CONFIG_FILE`. */
export const fileSchema = z.strictObject({
  sinks: z
    .array(sinkConfigSchema)
    .min(1)
    .prefault([{ type: 'file' }])
    .describe('Where events are delivered; by default one JSONL file sink under DATA_DIR'),
});

export interface Config {
  readonly port: number;
  readonly host: string | undefined;
  readonly dataDir: string;
  readonly logLevel: z.output<typeof envSchema>['LOG_LEVEL'];
  /** How often the traffic summary is logged (ms); 0 = never. See LOG_SUMMARY_INTERVAL. */
  readonly logSummaryIntervalMs: number;
  readonly maxBodyBytes: number;
  readonly retentionMs: number;
  readonly shutdownTimeoutMs: number;
  readonly ackMode: 'spool' | 'direct';
  /** Direct mode: most event ids kept for de-duplication (memory). */
  readonly directDedupeIds: number;
  /** Least time between two spool commits under load (ms); see SPOOL_COMMIT_WINDOW. */
  readonly spoolCommitWindowMs: number;
  readonly spoolLimits: { readonly maxPending: number; readonly maxBytes: number; readonly maxAgeMs: number };
  readonly quarantine: { readonly maxBytes: number; readonly retentionMs: number };
  readonly ingestRateLimit: number;
  /** Failed authentications per second allowed per client address; 0 = no limit. */
  readonly authFailureRateLimit: number;
  readonly maxConnections: number;
  readonly maxConnectionsPerClient: number;
  readonly trustedProxies: readonly string[];
  readonly http: { readonly keepAliveTimeoutMs: number; readonly headersTimeoutMs: number; readonly requestTimeoutMs: number };
  /** RELAY_KEY: the first signs relay markers, every one verifies them; empty = no marker verifies. */
  readonly relayKeys: readonly string[];
  /** Each vendor's settings by vendor name; undefined when the vendor is not configured (its route answers 404). */
  readonly vendors: Readonly<Record<string, unknown>>;
  readonly sinks: readonly SinkConfig[];
  /** The alive note's interval, the sequence-gap grace period, the shortest outage read back as windows, how long seen conversations are kept (ms). See GAP_ALIVE_INTERVAL, GAP_SEQUENCE_GRACE, BACKFILL_OUTAGE_MIN, BACKFILL_SEEN_RETENTION. */
  readonly gaps: { readonly aliveIntervalMs: number; readonly sequenceGraceMs: number; readonly outageMinMs: number; readonly seenRetentionMs: number };
  /** Each vendor's history access for backfill (undefined: its gaps are recorded, not filled), and how their quotas are shared between pods. */
  readonly backfill: { readonly tencent?: { readonly url: string; readonly identifier: string; readonly key: string; readonly perSecond: number }; readonly netease?: NeteaseBackfillSettings; readonly easemob?: EasemobBackfillSettings | undefined; readonly quotas: BackfillQuotaSettings };
  /** The admin API's listener and tokens; `port` undefined: an OS-chosen port (local CLI only). */
  readonly admin: { readonly port: number | undefined; readonly host: string; readonly tokens: readonly OperatorToken[] };
  /** The operator console on the admin listener (peers, sessions, cookie, Grafana link). */
  readonly console: ConsoleEnv;
}

/** Validates the environment and the parsed config file together; throws one error listing every problem. */
export function loadConfig(env: Record<string, string | undefined>, file: unknown = {}): Config {
  const envResult = envSchema.safeParse(env);
  const fileResult = fileSchema.safeParse(file ?? {});
  const problems = [
    envResult.success ? '' : z.prettifyError(envResult.error),
    fileResult.success ? '' : `in CONFIG_FILE:\n${z.prettifyError(fileResult.error)}`,
  ].filter(Boolean);
  if (!envResult.success || !fileResult.success) {
    throw new Error(`Invalid configuration:\n${problems.join('\n')}`);
  }
  const e = envResult.data;
  const names = fileResult.data.sinks.map(sinkName);
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated) {
    throw new Error(`Invalid configuration:\n✖ two sinks are named "${repeated}"; give each a unique "name"\n  → at CONFIG_FILE sinks`);
  }
  // Without a key a relay could not mark what it sends: its own messages would come back as user content.
  const relay = fileResult.data.sinks.find((sink) => sink.type === 'easemob' || sink.type === 'tencent' || sink.type === 'netease');
  if (relay && e.RELAY_KEY === undefined) {
    throw new Error(`Invalid configuration:\n✖ the relay sink "${sinkName(relay)}" needs RELAY_KEY (or RELAY_KEY_FILE), the same on every pod, to mark what it sends\n  → at RELAY_KEY`);
  }
  if (e.BACKFILL_TENCENT_URL !== undefined && e.BACKFILL_TENCENT_KEY === undefined) {
    throw new Error("Invalid configuration:\n✖ BACKFILL_TENCENT_URL needs BACKFILL_TENCENT_KEY (or BACKFILL_TENCENT_KEY_FILE): the app's secret key signs the admin's UserSig\n  → at BACKFILL_TENCENT_KEY");
  }
  return deepFreeze({
    port: e.PORT,
    host: e.HOST,
    dataDir: e.DATA_DIR,
    logLevel: e.LOG_LEVEL,
    logSummaryIntervalMs: e.LOG_SUMMARY_INTERVAL,
    maxBodyBytes: e.MAX_BODY_BYTES,
    retentionMs: e.SPOOL_RETENTION,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT,
    ackMode: e.ACK_MODE,
    directDedupeIds: e.DIRECT_DEDUPE_IDS,
    spoolCommitWindowMs: e.SPOOL_COMMIT_WINDOW,
    spoolLimits: { maxPending: e.SPOOL_MAX_PENDING, maxBytes: e.SPOOL_MAX_BYTES, maxAgeMs: e.SPOOL_MAX_AGE },
    quarantine: { maxBytes: e.QUARANTINE_MAX_BYTES, retentionMs: e.QUARANTINE_RETENTION },
    ingestRateLimit: e.INGEST_RATE_LIMIT,
    authFailureRateLimit: e.AUTH_FAILURE_RATE_LIMIT,
    maxConnections: e.MAX_CONNECTIONS,
    maxConnectionsPerClient: e.MAX_CONNECTIONS_PER_CLIENT,
    trustedProxies: e.TRUSTED_PROXIES ?? [],
    http: { keepAliveTimeoutMs: e.HTTP_KEEPALIVE_TIMEOUT, headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT, requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT },
    relayKeys: e.RELAY_KEY ?? [],
    vendors: Object.fromEntries(vendorModules.map((module) => [module.name, module.settings(e as never)])),
    sinks: fileResult.data.sinks,
    gaps: { aliveIntervalMs: e.GAP_ALIVE_INTERVAL, sequenceGraceMs: e.GAP_SEQUENCE_GRACE, outageMinMs: e.BACKFILL_OUTAGE_MIN, seenRetentionMs: e.BACKFILL_SEEN_RETENTION },
    backfill: {
      ...(e.BACKFILL_TENCENT_URL === undefined ? {} : { tencent: { url: e.BACKFILL_TENCENT_URL, identifier: e.BACKFILL_TENCENT_ADMIN, key: e.BACKFILL_TENCENT_KEY ?? '', perSecond: e.BACKFILL_TENCENT_RATE } }),
      ...neteaseBackfill(e),
      easemob: easemobBackfillSettings(e),
      quotas: { redisUrl: e.BACKFILL_REDIS_URL, podShare: e.BACKFILL_POD_SHARE },
    },
    admin: { port: e.ADMIN_PORT, host: e.ADMIN_HOST, tokens: e.ADMIN_TOKENS },
    console: Object.fromEntries(Object.keys(consoleEnv).map((key) => [key, e[key as keyof ConsoleEnv]])) as ConsoleEnv,
  });
}

/**
 * NetEase history access for outage windows: the URL turns it on, the secret signs. A fetched copy is
 * mapped without the AppKey header, so its event carries NETEASE_APP_KEY as the app: that must be set,
 * and be the AppKey the history is read for, or the fetched events would not match the callbacks'.
 */
function neteaseBackfill(e: z.output<typeof envSchema>): { netease?: NeteaseBackfillSettings } {
  if (e.BACKFILL_NETEASE_URL === undefined) return {};
  const callbacks = (e as { NETEASE_APP_KEY?: string }).NETEASE_APP_KEY;
  const appKey = e.BACKFILL_NETEASE_APP_KEY ?? callbacks;
  const problem = e.BACKFILL_NETEASE_SECRET === undefined ? 'BACKFILL_NETEASE_URL needs BACKFILL_NETEASE_SECRET (or BACKFILL_NETEASE_SECRET_FILE): the AppSecret signs every history call\n  → at BACKFILL_NETEASE_SECRET'
    : callbacks === undefined || appKey !== callbacks ? 'BACKFILL_NETEASE_URL needs NETEASE_APP_KEY, and BACKFILL_NETEASE_APP_KEY (when set) equal to it: the AppKey is part of every NetEase event id, so a fetched message matches its callback only under the same AppKey\n  → at NETEASE_APP_KEY' : undefined;
  if (problem !== undefined) throw new Error(`Invalid configuration:\n✖ ${problem}`);
  return { netease: { url: e.BACKFILL_NETEASE_URL, appKey: appKey ?? '', appSecret: e.BACKFILL_NETEASE_SECRET ?? '', account: e.BACKFILL_NETEASE_ACCOUNT, perSecond: e.BACKFILL_NETEASE_RATE } };
}

export { sinkName };

/**
 * The whole configuration as the service reads it: environment (with `_FILE` secrets) plus the YAML or
 * JSON file named by `CONFIG_FILE`. Throws one error listing every problem.
 */
export function loadConfigFromEnvironment(env: Record<string, string | undefined>, readFile: (path: string) => string): Config {
  const resolved = withFileSecrets(env, secretFileVariables, readFile);
  let file: unknown = {};
  if (resolved.CONFIG_FILE) {
    try {
      file = YAML.parse(readFile(resolved.CONFIG_FILE));
    } catch (error) {
      throw new Error(`Invalid configuration:\n✖ CONFIG_FILE ${resolved.CONFIG_FILE} could not be read: ${(error as Error).message}`, { cause: error });
    }
  }
  return loadConfig(resolved, file);
}

/** The millisecond value of a duration such as 500ms, 30s, 15m, 24h or 7d, or undefined. */
export function parseDuration(raw: string): number | undefined {
  const result = duration.safeParse(raw);
  return result.success ? result.data : undefined;
}

/**
 * Resolves `<NAME>_FILE` variables (Kubernetes secret mounts) into `<NAME>`, so secrets never have to
 * sit in the environment or the config file. An explicit `<NAME>` wins.
 */
export function withFileSecrets(
  env: Record<string, string | undefined>,
  names: readonly string[],
  readFile: (path: string) => string,
): Record<string, string | undefined> {
  const resolved = { ...env };
  for (const name of names) {
    const path = env[`${name}_FILE`];
    if (!path || resolved[name] !== undefined) continue;
    try {
      resolved[name] = readFile(path).trim();
    } catch (error) {
      const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new Error(`Invalid configuration:\n✖ ${name}_FILE names ${path}, which could not be read (${why})\n  → at ${name}_FILE`, { cause: error });
    }
  }
  return resolved;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
