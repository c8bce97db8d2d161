import { z } from 'zod';
import { CallbackError } from '../../errors';

const platforms = new Map([
  ['restapi', 'RESTAPI'],
  ['web', 'Web'],
  ['android', 'Android'],
  ['ios', 'iOS'],
  ['windows', 'Windows'],
  ['mac', 'Mac'],
  ['macos', 'Mac'],
  ['ipad', 'iPad'],
  ['unknown', 'Unknown'],
]);

/**
 * The query Tencent appends to the callback URL (https://cloud.tencent.com/document/product/269/1522).
 * Keys arrive lower-cased (names are matched case-insensitively); unknown parameters are ignored.
 */
const querySchema = z.object({
  sdkappid: z
    .string({ error: 'SdkAppid is missing' })
    .regex(/^\d{1,20}$/, 'SdkAppid must be digits')
    .transform(canonicalSdkAppId),
  callbackcommand: z
    .string({ error: 'CallbackCommand is missing' })
    .regex(/^[A-Za-z0-9_.]{1,128}$/, 'CallbackCommand must look like C2C.CallbackAfterSendMsg'),
  contenttype: z
    .string()
    .regex(/^json$/i, 'contenttype must be json')
    .optional(),
  /** The client's address; empty or not an address (it happens) is kept out of the event, not refused. */
  clientip: z.union([z.ipv4(), z.ipv6()]).optional().catch(undefined),
  /** Empty (seen in Tencent's own request examples) is the same as absent. */
  optplatform: z
    .string()
    .max(64, 'OptPlatform is too long')
    .optional()
    .transform((value) => (value === '' ? undefined : value)),
  sign: z.string().optional(),
  requesttime: z.string().optional(),
});

export interface TencentQuery {
  readonly sdkAppId: string;
  readonly command: string;
  readonly clientIp: string | undefined;
  /** OptPlatform exactly as sent (kept in the event). */
  readonly platform: string | undefined;
  /** OptPlatform normalised to the documented set, `other` when unknown (a metric label). */
  readonly platformLabel: string;
  readonly sign: string | undefined;
  readonly requestTime: string | undefined;
}

/**
 * SdkAppid without leading zeros: Tencent's SDKAppID is a number, so `01400000001` is the app
 * `1400000001` (and a replay with a padded id is the same event, not a new one).
 */
export function canonicalSdkAppId(sdkAppId: string): string {
  return sdkAppId.replace(/^0+(?=\d)/, '');
}

/** Parses the callback query. Throws `bad_query` with the first problem in plain words. */
export function parseTencentQuery(params: URLSearchParams): TencentQuery {
  // A Map and own-property checks: parameter names are the sender's, and `constructor` or `__proto__`
  // must be an unknown parameter like any other, not a property every object inherits.
  const known = new Map<string, string>();
  for (const [key, value] of params) {
    const name = key.toLowerCase();
    if (!Object.hasOwn(querySchema.shape, name)) continue;
    if (known.has(name)) throw new CallbackError('bad_query', `query parameter ${key} is repeated`);
    known.set(name, value);
  }
  const result = querySchema.safeParse(Object.fromEntries(known));
  if (!result.success) {
    throw new CallbackError('bad_query', result.error.issues[0]?.message ?? 'invalid callback query');
  }
  const q = result.data;
  return {
    sdkAppId: q.sdkappid,
    command: q.callbackcommand,
    clientIp: q.clientip,
    platform: q.optplatform,
    platformLabel: q.optplatform === undefined ? 'none' : (platforms.get(q.optplatform.toLowerCase()) ?? 'other'),
    sign: q.sign,
    requestTime: q.requesttime,
  };
}
