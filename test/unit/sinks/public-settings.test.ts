import { publicSinkSettings, redactUrl } from '../../../src/sinks/public-settings';
import { sinkConfigSchema } from '../../../src/sinks/registry';

const webhookKey = Buffer.from('SECRET-WEBHOOK-KEY-0123456789abcdef').toString('base64');

/** One sink of every type, each secret a distinctive string that must not come back. */
const configured = [
  { type: 'file', name: 'archive', path: '/data/archive.jsonl' },
  { type: 'stdout' },
  { type: 'memory' },
  { type: 'http', name: 'hook', url: 'https://receiver.example.com/events?code=SECRET-HTTP-QUERY&tenant=SECRET-HTTP-TENANT', mode: 'single',
    headers: { authorization: 'Bearer SECRET-HTTP-AUTHORIZATION', 'x-api-key': 'SECRET-HTTP-APIKEY', 'x-team': 'SECRET-HTTP-OTHER-HEADER' },
    secret: [`whsec_${webhookKey}`, `whsec_${Buffer.from('SECRET-WEBHOOK-OLD-KEY-0123456789ab').toString('base64')}`] },
  { type: 'nats', name: 'bus', servers: ['nats://natsuser:SECRET-NATS-URL-PASS@nats-0:4222', 'nats://SECRET-NATS-URL-TOKEN@nats-1:4222'],
    token: 'SECRET-NATS-TOKEN', user: 'gateway', pass: 'SECRET-NATS-PASS', subject: 'im.{vendor}' },
  { type: 'redis', url: 'redis://default:SECRET-REDIS-PASS@redis:6379/0', stream: 'imgw:events' },
  { type: 'postgres', connectionString: 'postgres://pguser:SECRET-PG-PASS@db:5432/app?sslmode=require&sslpassword=SECRET-PG-SSLPASS' },
  { type: 'easemob', name: 'relay', baseUrl: 'https://a1.easemob.com', appKey: 'acme#chatapp', clientId: 'YXA6client', clientSecret: 'SECRET-EASEMOB-CLIENT',
    redisUrl: 'rediss://:SECRET-EASEMOB-REDIS-PASS@quota-redis:6380', targets: { chatrooms: ['room1'] } },
  { type: 'tencent', name: 'to-tencent', sdkAppId: 1400000001, secretKey: 'SECRET-TENCENT-KEY', redisUrl: 'redis://:SECRET-TENCENT-REDIS-PASS@quota-redis:6379' },
  { type: 'netease', name: 'to-netease', appKey: 'nimappkey', appSecret: 'SECRET-NETEASE-APPSECRET', redisUrl: 'redis://:SECRET-NETEASE-REDIS-PASS@quota-redis:6379' },
].map((raw) => sinkConfigSchema.parse(raw));

describe('publicSinkSettings', () => {
  test('When every sink type is configured with secrets, then none of them appears anywhere in the settings shown', () => {
    const shown = JSON.stringify(configured.map(publicSinkSettings));

    const types = sinkConfigSchema.options.map((option) => option.shape.type.value);
    expect(new Set(configured.map((c) => c.type))).toEqual(new Set(types));
    expect(shown).not.toMatch(/SECRET-/);
    expect(shown).not.toContain(webhookKey);
    expect(shown).not.toContain('whsec_');
    expect(shown).not.toContain('natsuser');
    expect(shown).not.toContain('pguser');
  });

  test('When secrets are redacted, then what an operator needs stays: types, hosts, paths, parameter and header names, defaults', () => {
    const [file, , , http, nats, redis, postgres, easemob] = configured.map(publicSinkSettings);

    expect(file).toEqual({ name: 'archive', type: 'file', settings: expect.objectContaining({ path: '/data/archive.jsonl', keepFiles: 5, maxAttempts: 0 }) });
    expect(http?.settings).toEqual(expect.objectContaining({ url: 'https://receiver.example.com/events?code=[redacted]&tenant=[redacted]', mode: 'single',
      headers: { authorization: '[redacted]', 'x-api-key': '[redacted]', 'x-team': '[redacted]' }, secret: ['[redacted]', '[redacted]'] }));
    expect(nats?.settings).toEqual(expect.objectContaining({ servers: ['nats://[redacted]@nats-0:4222', 'nats://[redacted]@nats-1:4222'], token: '[redacted]', user: 'gateway', pass: '[redacted]', subject: 'im.{vendor}' }));
    expect(redis?.settings['url']).toBe('redis://[redacted]@redis:6379/0');
    expect(postgres?.settings['connectionString']).toBe('postgres://[redacted]@db:5432/app?sslmode=[redacted]&sslpassword=[redacted]');
    expect(easemob?.settings).toEqual(expect.objectContaining({ appKey: 'acme#chatapp', clientId: 'YXA6client', clientSecret: '[redacted]', redisUrl: 'rediss://[redacted]@quota-redis:6380' }));
  });

  test.each([
    ['a URL without secrets', 'http://receiver:8080/events', 'http://receiver:8080/events'],
    ['a user without a password', 'redis://admin@redis:6379', 'redis://[redacted]@redis:6379'],
    ['something that is not a URL', 'user:SECRET-X@host', '[redacted]'],
  ])('When %s is redacted, then the user, the password and query values are gone', (_what, url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});
