import { z } from 'zod';
import { createNeteaseVendor } from '../../../../src/vendors/netease';
import { describeVendorContract } from '../../../helpers/vendor-contract';
import { neteaseFixtures, signedHeaders, testAppKey, testSecret } from './fixtures';

const settings = { appSecrets: ['older-secret-1', testSecret], appKey: testAppKey, curTimeWindowSeconds: undefined };

describeVendorContract(
  () => ({
    vendor: createNeteaseVendor(settings),
    wrongSecret: createNeteaseVendor({ ...settings, appSecrets: ['not-the-secret'] }),
    secrets: settings.appSecrets,
    sign: (body) => ({ head: { query: new URLSearchParams(), headers: signedHeaders(body) }, body, nowMs: 1_718_000_000_123 }),
    replySchema: z.union([
      z.strictObject({ code: z.literal(200), outcome: z.enum(['accepted', 'duplicate', 'ignored']) }),
      z.strictObject({ code: z.literal(200), outcome: z.literal('quarantined'), detail: z.string() }),
      z.strictObject({ code: z.int().min(400).max(599), outcome: z.literal('failed'), reason: z.string(), info: z.string() }),
    ]),
  }),
  neteaseFixtures(),
);
