import { loadConfig, loadConfigFromEnvironment } from '../../../src/config';

const url = 'https://api.netease.im';

describe('NetEase backfill configuration', () => {
  test('When BACKFILL_NETEASE_URL is set without a secret, then startup fails naming BACKFILL_NETEASE_SECRET', () => {
    expect(() => loadConfig({ BACKFILL_NETEASE_URL: url, NETEASE_APP_KEY: 'appkey1' })).toThrow(/BACKFILL_NETEASE_URL needs BACKFILL_NETEASE_SECRET/);
  });

  test('When no AppKey is known, then startup fails naming BACKFILL_NETEASE_APP_KEY', () => {
    expect(() => loadConfig({ BACKFILL_NETEASE_URL: url, BACKFILL_NETEASE_SECRET: 's' })).toThrow(/BACKFILL_NETEASE_APP_KEY or NETEASE_APP_KEY/);
  });

  test('When the secret comes from BACKFILL_NETEASE_SECRET_FILE and the AppKey from NETEASE_APP_KEY, then the settings carry them with the default rate', () => {
    const config = loadConfigFromEnvironment({ BACKFILL_NETEASE_URL: url, BACKFILL_NETEASE_SECRET_FILE: '/run/secrets/netease', NETEASE_APP_KEY: 'appkey1', BACKFILL_NETEASE_ACCOUNT: 'ops' }, (path) => (path === '/run/secrets/netease' ? 'file-secret\n' : ''));

    expect(config.backfill.netease).toEqual({ url, appKey: 'appkey1', appSecret: 'file-secret', account: 'ops', perSecond: 100 });
    expect(loadConfig({}).backfill.netease).toBeUndefined();
  });

  test('When BACKFILL_NETEASE_APP_KEY and BACKFILL_NETEASE_RATE are set, then they win', () => {
    const config = loadConfig({ BACKFILL_NETEASE_URL: url, BACKFILL_NETEASE_SECRET: 's', NETEASE_APP_KEY: 'callbacks', BACKFILL_NETEASE_APP_KEY: 'history', BACKFILL_NETEASE_RATE: '20' });

    expect(config.backfill.netease).toMatchObject({ appKey: 'history', perSecond: 20 });
  });
});
