import { loadConfig } from '../../../src/config';
import { windowVendors } from '../../../src/backfill/window-fillers';

describe('vendors whose outage windows are read back', () => {
  const easemob = { EASEMOB_CALLBACK_SECRETS: 'em-cb-secret-7788', BACKFILL_EASEMOB_URL: 'https://a1.easemob.com', BACKFILL_EASEMOB_APPKEY: 'acme#chatapp', BACKFILL_EASEMOB_CLIENT_ID: 'i', BACKFILL_EASEMOB_CLIENT_SECRET: 's' };
  const tencent = { TENCENT_SDKAPPIDS: '1400000001', TENCENT_CALLBACK_TOKENS: 'token-of-sixteen-chars', BACKFILL_TENCENT_URL: 'https://console.tim.qq.com', BACKFILL_TENCENT_KEY: 'k' };

  test('When no backfill is configured, then no vendor gets windows', () => {
    expect([...windowVendors(loadConfig({ EASEMOB_CALLBACK_SECRETS: 'x' }), 'by hand')]).toEqual([]);
  });

  test('When Tencent and Easemob backfill are configured, then both take windows asked for by hand (Easemob reading whole hour files), and only Tencent gets outage windows (every Easemob hour is read anyway)', () => {
    const config = loadConfig({ ...easemob, ...tencent });

    expect(Object.fromEntries(windowVendors(config, 'by hand'))).toEqual({ tencent: { wholeApp: false }, easemob: { wholeApp: true } });
    expect(Object.fromEntries(windowVendors(config, 'outage'))).toEqual({ tencent: { wholeApp: false } });
  });
});
