import { loadConfig, loadConfigFromEnvironment } from '../../../src/config';

const base = { EASEMOB_CALLBACK_SECRETS: 'em-cb-secret-7788', BACKFILL_EASEMOB_URL: 'https://a1.easemob.com' };

describe('Easemob hourly reconciliation settings', () => {
  test('When BACKFILL_EASEMOB_URL is unset, then the reconciliation is off', () => {
    expect(loadConfig({ EASEMOB_CALLBACK_SECRETS: 'x' }).backfill.easemob).toBeUndefined();
  });

  test('When the client id and secret come from _FILE variables, then they are read from the files, and the App Key falls back to EASEMOB_APPKEY', () => {
    const files: Record<string, string> = { '/run/secrets/id': 'YXA6-id\n', '/run/secrets/secret': 'YXA6-secret\n' };
    const config = loadConfigFromEnvironment(
      { ...base, EASEMOB_APPKEY: 'acme#chatapp', BACKFILL_EASEMOB_CLIENT_ID_FILE: '/run/secrets/id', BACKFILL_EASEMOB_CLIENT_SECRET_FILE: '/run/secrets/secret' },
      (path) => files[path] ?? '',
    );
    expect(config.backfill.easemob).toEqual({
      url: 'https://a1.easemob.com', org: 'acme', app: 'chatapp', clientId: 'YXA6-id', clientSecret: 'YXA6-secret', timeZone: 'Asia/Shanghai',
      delayMs: 70 * 60_000, retentionMs: 3 * 86_400_000, perMinute: 5, maxFileBytes: 2 * 1024 ** 3, checkIntervalMs: 60_000,
    });
  });

  test('When BACKFILL_EASEMOB_URL is set without an App Key or credentials, then the configuration error names what is missing', () => {
    expect(() => loadConfig(base)).toThrow(/BACKFILL_EASEMOB_URL needs BACKFILL_EASEMOB_APPKEY \(or EASEMOB_APPKEY\), BACKFILL_EASEMOB_CLIENT_ID, BACKFILL_EASEMOB_CLIENT_SECRET/);
  });

  test('When the rate is above the documented 10 a minute or the zone unknown, then the configuration is refused', () => {
    const ok = { ...base, BACKFILL_EASEMOB_APPKEY: 'acme#chatapp', BACKFILL_EASEMOB_CLIENT_ID: 'i', BACKFILL_EASEMOB_CLIENT_SECRET: 's' };
    expect(() => loadConfig({ ...ok, BACKFILL_EASEMOB_RATE: '11' })).toThrow(/BACKFILL_EASEMOB_RATE/);
    expect(() => loadConfig({ ...ok, BACKFILL_EASEMOB_TIME_ZONE: 'Europe/Paris' })).toThrow(/BACKFILL_EASEMOB_TIME_ZONE/);
    expect(loadConfig({ ...ok, BACKFILL_EASEMOB_TIME_ZONE: 'UTC', BACKFILL_EASEMOB_DELAY: '2h' }).backfill.easemob).toMatchObject({ timeZone: 'UTC', delayMs: 2 * 3_600_000 });
  });
});
