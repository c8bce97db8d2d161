import { loadConfig, loadConfigFromEnvironment } from '../../../src/config';

const url = 'https://api.netease.im';

describe('NetEase backfill configuration', () => {
  test('When BACKFILL_NETEASE_URL is set without a secret, then startup fails naming BACKFILL_NETEASE_SECRET', () => {
    expect(() => loadConfig({ BACKFILL_NETEASE_URL: url, NETEASE_APP_KEY: 'appkey1' })).toThrow(/BACKFILL_NETEASE_URL needs BACKFILL_NETEASE_SECRET/);
  });

  test('When NETEASE_APP_KEY is not set, then startup fails naming it (the AppKey is part of every event id)', () => {
    expect(() => loadConfig({ BACKFILL_NETEASE_URL: url, BACKFILL_NETEASE_SECRET: 's', BACKFILL_NETEASE_APP_KEY: 'history' })).toThrow(/BACKFILL_NETEASE_URL needs NETEASE_APP_KEY/);
  });

  test('When the secret comes from BACKFILL_NETEASE_SECRET_FILE and the AppKey from NETEASE_APP_KEY, then the settings carry them with the default rate', () => {
    const config = loadConfigFromEnvironment({ BACKFILL_NETEASE_URL: url, BACKFILL_NETEASE_SECRET_FILE: '/run/secrets/netease', NETEASE_APP_KEY: 'appkey1', BACKFILL_NETEASE_ACCOUNT: 'ops' }, (path) => (path === '/run/secrets/netease' ? 'file-secret\n' : ''));

    expect(config.backfill.netease).toEqual({ url, appKey: 'appkey1', appSecret: 'file-secret', account: 'ops', perSecond: 100 });
    expect(loadConfig({}).backfill.netease).toBeUndefined();
  });

  test('When BACKFILL_NETEASE_APP_KEY differs from NETEASE_APP_KEY, then startup fails; BACKFILL_NETEASE_RATE is taken', () => {
    expect(() => loadConfig({ BACKFILL_NETEASE_URL: url, BACKFILL_NETEASE_SECRET: 's', NETEASE_APP_KEY: 'callbacks', BACKFILL_NETEASE_APP_KEY: 'history' })).toThrow(/equal to it/);
    const config = loadConfig({ BACKFILL_NETEASE_URL: url, BACKFILL_NETEASE_SECRET: 's', NETEASE_APP_KEY: 'same', BACKFILL_NETEASE_APP_KEY: 'same', BACKFILL_NETEASE_RATE: '20' });

    expect(config.backfill.netease).toMatchObject({ appKey: 'same', perSecond: 20 });
  });
});
