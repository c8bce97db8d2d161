import request from 'supertest';
import { z } from 'zod';
import { loadConfig, loadConfigFromEnvironment } from '../../src/config';
import { maxSecrets } from '../../src/settings';
import { vendorModules } from '../../src/vendors/registry';
import { buildTestApp, expectTencentReply, type TestApp } from '../helpers/app';
import { loadFixture } from '../helpers/fixtures';
import { callbackPath } from '../helpers/tencent';
import { neteaseFixture, signedHeaders, testAppKey } from '../unit/vendors/netease/fixtures';

const text = loadFixture('c2c-after-send-text');
const secretVariables = ['TENCENT_CALLBACK_TOKENS', 'NETEASE_APP_SECRETS', 'EASEMOB_CALLBACK_SECRETS'] as const;
const problemsOf = (env: Record<string, string>): string => {
  try {
    loadConfig(env);
    return '';
  } catch (error) {
    return (error as Error).message;
  }
};

describe('secret lists (TENCENT_CALLBACK_TOKENS, NETEASE_APP_SECRETS, EASEMOB_CALLBACK_SECRETS)', () => {
  describe.each(secretVariables)('%s', (name) => {
    test('When a plain value contains a comma, then the configuration is refused saying how to write one secret with a comma or several secrets', () => {
      const message = problemsOf({ [name]: 'first-half,second-half' });

      expect(message).toContain(
        `contains a comma: a secret containing a comma, or several secrets for rotation, must be written as a JSON array: ["old","new"]\n  → at ${name}`,
      );
      expect(message).not.toContain('first-half');
    });

    test('When a plain value has no comma, then it is one secret taken verbatim, even with JSON-like characters inside', () => {
      const config = loadConfig({ [name]: 'a]b{c}:d' });

      expect(JSON.stringify(config.vendors)).toContain('["a]b{c}:d"]');
    });

    test.each([
      ['["unterminated', /starts with \[ but is not valid JSON.*must be written as a JSON array: \["old","new"\]/],
      ['[1,2]', /must be a JSON array of strings/],
      ['[]', /is an empty list \(unset the variable instead\)/],
      ['["a",""]', /item 2 of 2: is empty/],
      ['["a","a"]', /item 2 of 2: repeats an earlier item/],
      ['["a","b "]', /item 2 of 2: has white space around it/],
      [JSON.stringify(Array.from({ length: maxSecrets + 1 }, (_, i) => `s${i}`)), new RegExp(`holds ${maxSecrets + 1} secrets; at most ${maxSecrets}`)],
      [JSON.stringify(['a', 'x'.repeat(300)]), /item 2 of 2: is longer than 1\d\d|item 2 of 2: is longer than 256/],
    ])('When the value is %s, then the configuration is refused clearly', (value, message) => {
      const problems = problemsOf({ [name]: value });

      expect(problems).toMatch(message);
      expect(problems).toContain(`→ at ${name}`);
    });

    test('When the value comes from <NAME>_FILE, then the same syntax applies (the trailing newline dropped)', () => {
      const files: Record<string, string> = { '/run/secrets/list': '["new,secret","old-secret"]\n', '/run/secrets/plain': 'new,old\n' };
      const read = (path: string) => files[path] as string;

      expect(JSON.stringify(loadConfigFromEnvironment({ [`${name}_FILE`]: '/run/secrets/list' }, read).vendors)).toContain('["new,secret","old-secret"]');
      expect(() => loadConfigFromEnvironment({ [`${name}_FILE`]: '/run/secrets/plain' }, read)).toThrow(/contains a comma: .*must be written as a JSON array/);
    });

    test('When a JSON array gives two secrets, then both are kept in order', () => {
      expect(JSON.stringify(loadConfig({ [name]: '["new-secret","old-secret"]' }).vendors)).toContain('["new-secret","old-secret"]');
    });
  });

  test('When the schemas of the three variables are compared, then they behave the same (one shared definition)', () => {
    const schemas = vendorModules.flatMap((module) => Object.entries(module.env)).filter(([name]) => (secretVariables as readonly string[]).includes(name));
    const verdict = (schema: z.ZodType, value: string) => {
      const result = schema.safeParse(value);
      return result.success ? result.data : z.prettifyError(result.error);
    };

    expect(schemas.map(([name]) => name).sort()).toEqual([...secretVariables].sort());
    for (const value of ['a,b', '["a,b","c"]', '["a",', '[]', 'plain']) {
      expect(new Set(schemas.map(([, schema]) => JSON.stringify(verdict(schema as z.ZodType, value)))).size).toBe(1);
    }
  });
});

describe('a token that contains a comma, given as a JSON array', () => {
  let t: TestApp | undefined;
  afterEach(() => t?.close());

  test('When Tencent signs with exactly that token, then the callback is accepted; signed with either half, it is refused 401', async () => {
    t = buildTestApp({ env: { TENCENT_CALLBACK_TOKENS: '["tok,en-with-comma"]' } });

    const whole = await request(t.app).post(callbackPath(text.query, { token: 'tok,en-with-comma' })).set('Content-Type', 'application/json').send(JSON.stringify(text.body));
    const first = await request(t.app).post(callbackPath(text.query, { token: 'tok' })).set('Content-Type', 'application/json').send(JSON.stringify(text.body));
    const second = await request(t.app).post(callbackPath(text.query, { token: 'en-with-comma' })).set('Content-Type', 'application/json').send(JSON.stringify(text.body));

    expectTencentReply(whole, { status: 200, ActionStatus: 'OK', ErrorInfo: '' });
    expectTencentReply(first, { status: 401, ActionStatus: 'FAIL' });
    expectTencentReply(second, { status: 401, ActionStatus: 'FAIL' });
    await t.sink.waitFor(1);
  });

  test('When two tokens are configured for rotation, then a callback signed with either is accepted and one signed with neither is refused', async () => {
    t = buildTestApp({ env: { TENCENT_CALLBACK_TOKENS: '["new,token","old-token"]' } });
    const post = (token: string, key: string) =>
      request(t!.app).post(callbackPath(text.query, { token })).set('Content-Type', 'application/json').send(JSON.stringify({ ...text.body, MsgKey: key }));

    expectTencentReply(await post('new,token', 'k-new'), { status: 200, ActionStatus: 'OK', ErrorInfo: '' });
    expectTencentReply(await post('old-token', 'k-old'), { status: 200, ActionStatus: 'OK', ErrorInfo: '' });
    expectTencentReply(await post('new', 'k-half'), { status: 401, ActionStatus: 'FAIL' });
    await t.sink.waitFor(2);
  });

  test('When NetEase signs with exactly that AppSecret, then the callback is accepted; signed with either half, it is refused', async () => {
    t = buildTestApp({ env: { NETEASE_APP_SECRETS: '["app,secret"]', NETEASE_APP_KEY: testAppKey } });
    const fixture = neteaseFixture('n1-p2p-text');
    const post = (secret: string) => {
      const headers = signedHeaders(fixture.body, fixture.head.headers.curtime, secret);
      let req = request(t!.app).post('/netease/callback');
      for (const [name, value] of Object.entries(headers)) if (value !== undefined) req = req.set(name, value);
      return req.serialize((raw: unknown) => raw as string).send(fixture.body);
    };

    expect((await post('app,secret')).status).toBe(200);
    expect((await post('app')).status).toBe(401);
    expect((await post('secret')).status).toBe(401);
  });
});

describe('RELAY_KEY (the relay marker keys)', () => {
  const key = (n: number) => `relay-key-${n}-0123456789abcdef0123456789abcdef`;

  test('When one key or a rotation list is given (or from RELAY_KEY_FILE), then the keys are kept in order: the first signs', () => {
    const files: Record<string, string> = { '/run/secrets/relay-key': `${JSON.stringify([key(2), key(1)])}\n` };

    expect(loadConfig({ RELAY_KEY: key(1) }).relayKeys).toEqual([key(1)]);
    expect(loadConfig({ RELAY_KEY: JSON.stringify([key(2), key(1)]) }).relayKeys).toEqual([key(2), key(1)]);
    expect(loadConfigFromEnvironment({ RELAY_KEY_FILE: '/run/secrets/relay-key' }, (path) => files[path] as string).relayKeys).toEqual([key(2), key(1)]);
    expect(loadConfig({}).relayKeys).toEqual([]);
  });

  test.each([
    ['a short key', 'short-key', /the secret is shorter than 32 characters \(make one with: openssl rand -base64 32\)/],
    ['a comma in a plain value', `${key(1)},${key(2)}`, /contains a comma/],
    ['a repeated key', JSON.stringify([key(1), key(1)]), /item 2 of 2: repeats an earlier item/],
  ])('When RELAY_KEY has %s, then the configuration is refused clearly, never showing the key', (_name, value, message) => {
    const problems = problemsOf({ RELAY_KEY: value });

    expect(problems).toMatch(message);
    expect(problems).toContain('→ at RELAY_KEY');
    expect(problems).not.toContain('0123456789abcdef');
  });

  test.each([
    ['to-easemob', { type: 'easemob', name: 'to-easemob', baseUrl: 'https://a1.easemob.com', appKey: 'acme#chatapp', clientId: 'YXA6-id', clientSecret: 'secret' }],
    ['to-tencent', { type: 'tencent', name: 'to-tencent', sdkAppId: 1400000077, secretKey: 'app-key' }],
    ['to-netease', { type: 'netease', name: 'to-netease', appKey: 'a1b2c3', appSecret: 'app-secret' }],
  ])('When the relay sink %s is configured without RELAY_KEY, then the configuration is refused saying what to set', (name, relay) => {
    let problems = '';
    try {
      loadConfig({}, { sinks: [relay] });
    } catch (error) {
      problems = (error as Error).message;
    }

    expect(problems).toBe(`Invalid configuration:\n✖ the relay sink "${name}" needs RELAY_KEY (or RELAY_KEY_FILE), the same on every pod, to mark what it sends\n  → at RELAY_KEY`);
    expect(loadConfig({ RELAY_KEY: key(1) }, { sinks: [relay] }).sinks).toHaveLength(1);
  });
});
