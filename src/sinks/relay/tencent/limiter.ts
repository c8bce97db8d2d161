import type Redis from 'ioredis';
import { z } from 'zod';
import { createQuotaLimiter, quotaSchema, type QuotaLimiter } from '../quota';

/** The REST commands the relay calls: sending, or importing (a migration: original time and sender, no notification). */
export type Endpoint = 'sendmsg' | 'send_group_msg' | 'importmsg' | 'import_group_msg';

/** Each command's path under `/v4/`. */
export const endpointPaths: Readonly<Record<Endpoint, string>> = {
  sendmsg: 'openim/sendmsg',
  send_group_msg: 'group_open_http_svc/send_group_msg',
  importmsg: 'openim/importmsg',
  import_group_msg: 'group_open_http_svc/import_group_msg',
};

/** 200 calls per second per SDKAppID: sendmsg's documented 最高调用频率, taken for each command (docs/protocols/tencent-rest.md); one message per call. */
const perCommand = () => quotaSchema(200, 200, 1, 1, 1);

export const quotasSchema = z
  .strictObject({
    sendmsg: perCommand().describe('One-to-one sends: 200 calls/s'),
    send_group_msg: perCommand().describe('Group sends: 200 calls/s'),
    importmsg: perCommand().describe('One-to-one imports: 200 calls/s'),
    import_group_msg: perCommand().describe('Group imports: 200 calls/s'),
  })
  .prefault({});
export type Quotas = z.output<typeof quotasSchema>;

export type SendLimiter = QuotaLimiter<Endpoint>;

export function createSendLimiter(options: { sdkAppId: number; quotas: Quotas; redis?: Redis; podShare: number; clock: () => number }): SendLimiter {
  return createQuotaLimiter({ target: 'Tencent', key: String(options.sdkAppId), quotas: options.quotas, redis: options.redis, podShare: options.podShare, clock: options.clock });
}
