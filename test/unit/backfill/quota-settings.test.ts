import { loadConfig } from '../../../src/config';

describe('backfill quota settings', () => {
  test('When nothing is set, then every pod takes the whole rate and nothing is shared', () => {
    expect(loadConfig({}).backfill.quotas).toEqual({ redisUrl: undefined, podShare: 1 });
  });

  test('When BACKFILL_REDIS_URL and BACKFILL_POD_SHARE are set, then the settings carry them', () => {
    const config = loadConfig({ BACKFILL_REDIS_URL: 'rediss://:secret@redis.cache:6380/2', BACKFILL_POD_SHARE: '0.25' });

    expect(config.backfill.quotas).toEqual({ redisUrl: 'rediss://:secret@redis.cache:6380/2', podShare: 0.25 });
  });

  test.each(['http://redis:6379', 'redis:6379', 'not a url'])('When BACKFILL_REDIS_URL is %s, then startup fails saying what is expected', (url) => {
    expect(() => loadConfig({ BACKFILL_REDIS_URL: url })).toThrow(/expected a redis:\/\/ or rediss:\/\/ URL, e\.g\. redis:\/\/redis:6379\n {2}→ at BACKFILL_REDIS_URL/);
  });

  test.each(['0', '1.5', '-0.5', 'half'])('When BACKFILL_POD_SHARE is %s, then startup fails naming it', (share) => {
    expect(() => loadConfig({ BACKFILL_POD_SHARE: share })).toThrow(/→ at BACKFILL_POD_SHARE/);
  });
});
