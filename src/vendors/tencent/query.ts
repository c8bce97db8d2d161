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
  sdkappid: z.string({ error: 'SdkAppid is missing' }).regex(/^\d{1,20}$/, 'SdkAppid must be digits'),
  callbackcommand: z
    .string({ error: 'CallbackCommand is missing' })
    .regex(/^[A-Za-z0-9_.]{1,128}$/, 'CallbackCommand must look like C2C.CallbackAfterSendMsg'),
  contenttype: z
    .string()
    .regex(/^json$/i, 'contenttype must be json')
    .optional(),
  clientip: z.union([z.ipv4(), z.ipv6()], { error: 'ClientIP must be an IPv4 or IPv6 address' }).optional(),
  optplatform: z.string().max(64, 'OptPlatform is too long').optional(),
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

/** Parses the callback query. Throws `bad_query` with the first problem in plain words. */
export function parseTencentQuery(params: URLSearchParams): TencentQuery {
  const lowered: Record<string, string> = {};
  for (const [key, value] of params) {
    const name = key.toLowerCase();
    if (name in querySchema.shape && name in lowered) {
      throw new CallbackError('bad_query', `query parameter ${key} is repeated`);
    }
    lowered[name] = value;
  }
  const result = querySchema.safeParse(lowered);
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
