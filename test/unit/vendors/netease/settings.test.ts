import { z } from 'zod';
import { loadConfig, loadConfigFromEnvironment, withFileSecrets } from '../../../../src/config';
import { neteaseVendor } from '../../../../src/vendors/netease';

const schema = z.object(neteaseVendor.env);
const parse = (env: Record<string, string>) => schema.safeParse(env);
const problems = (env: Record<string, string>) => {
  const result = parse(env);
  return result.success ? '' : z.prettifyError(result.error);
};

describe('NetEase settings', () => {
  test('When NETEASE_APP_SECRETS is unset, then there are no settings (the route is not served)', () => {
    expect(neteaseVendor.settings(schema.parse({ NETEASE_APP_KEY: 'abc' }))).toBeUndefined();
  });

  test('When secrets, AppKey and window are set, then the settings hold them in order', () => {
    const env = schema.parse({ NETEASE_APP_SECRETS: '["new-secret","c0ffee5ecret42"]', NETEASE_APP_KEY: '3f1e0c9a7b5d4e2f8a6c1b0d9e8f7a6b', NETEASE_CURTIME_WINDOW_SECONDS: '600' });

    expect(neteaseVendor.settings(env)).toEqual({ appSecrets: ['new-secret', 'c0ffee5ecret42'], appKey: '3f1e0c9a7b5d4e2f8a6c1b0d9e8f7a6b', curTimeWindowSeconds: 600 });
    expect(neteaseVendor.warnings(neteaseVendor.settings(env))).toEqual([]);
  });

  test('When no AppKey is set, then the window stays off and a startup warning says every AppKey is accepted', () => {
    const settings = neteaseVendor.settings(schema.parse({ NETEASE_APP_SECRETS: 's1' }));

    expect(settings).toEqual({ appSecrets: ['s1'], appKey: undefined, curTimeWindowSeconds: undefined });
    expect(neteaseVendor.warnings(settings)).toEqual([expect.stringContaining('NETEASE_APP_KEY is not set')]);
  });

  test.each([
    ['', 'the secret is empty'],
    ['a,,b', 'contains a comma: a secret containing a comma, or several secrets for rotation, must be written as a JSON array: ["old","new"]'],
    ['a,', 'contains a comma'],
    ['["a",""]', 'item 2 of 2: is empty'],
    ['["a"," b"]', 'item 2 of 2: has white space around it'],
    [' a', 'the secret has white space around it'],
    ['"secret"', 'the secret must be visible ASCII characters without spaces or quotes'],
    ['sec ret', 'the secret must be visible ASCII characters without spaces or quotes'],
    ['sécret', 'the secret must be visible ASCII characters without spaces or quotes'],
    ['x'.repeat(129), 'the secret is longer than 128 characters'],
    ['["a","a"]', 'item 2 of 2: repeats an earlier item'],
    ['["a",', 'starts with [ but is not valid JSON'],
  ])('When NETEASE_APP_SECRETS is %j, then startup fails saying %s, without showing the secret', (value, message) => {
    const text = problems({ NETEASE_APP_SECRETS: value });

    expect(text).toContain(message);
    expect(text).toContain('NETEASE_APP_SECRETS');
    if (value.replace(/[^a-z]/g, '').length > 1) expect(text).not.toContain(value.trim());
  });

  test.each([
    [{ NETEASE_APP_KEY: 'has space' }, 'NETEASE_APP_KEY'],
    [{ NETEASE_CURTIME_WINDOW_SECONDS: '0' }, 'NETEASE_CURTIME_WINDOW_SECONDS'],
    [{ NETEASE_CURTIME_WINDOW_SECONDS: 'ten' }, 'NETEASE_CURTIME_WINDOW_SECONDS'],
  ])('When %o is set, then startup fails naming the variable', (env, name) => {
    expect(problems({ NETEASE_APP_SECRETS: 's1', ...env })).toContain(name);
  });

  test('When the secrets come from NETEASE_APP_SECRETS_FILE, then the file content is used (a trailing newline is dropped)', () => {
    const env = withFileSecrets({ NETEASE_APP_SECRETS_FILE: '/run/secrets/netease' }, neteaseVendor.secretFiles, (path) => (path === '/run/secrets/netease' ? '["s1","s2"]\n' : ''));

    expect(neteaseVendor.settings(schema.parse(env))?.appSecrets).toEqual(['s1', 's2']);
  });

  test('When the service configuration is loaded, then NetEase settings come from the environment or NETEASE_APP_SECRETS_FILE, and bad secrets stop startup', () => {
    const files: Record<string, string> = { '/run/secrets/netease': 'file-secret\n' };

    expect(loadConfig({}).vendors.netease).toBeUndefined();
    expect(loadConfig({ NETEASE_APP_SECRETS: '["a","b"]', NETEASE_APP_KEY: 'k1' }).vendors.netease).toEqual({ appSecrets: ['a', 'b'], appKey: 'k1', curTimeWindowSeconds: undefined });
    expect(loadConfigFromEnvironment({ NETEASE_APP_SECRETS_FILE: '/run/secrets/netease' }, (path) => files[path]!).vendors.netease).toMatchObject({ appSecrets: ['file-secret'] });
    expect(() => loadConfig({ NETEASE_APP_SECRETS: 'a,b' })).toThrow(/contains a comma[\s\S]*→ at NETEASE_APP_SECRETS/);
  });

  test('When every variable is listed, then each has a description for the README table', () => {
    for (const [name, field] of Object.entries(neteaseVendor.env)) expect({ name, description: (field as z.ZodType).description?.length ?? 0 }).toEqual({ name, description: expect.any(Number) });
    for (const field of Object.values(neteaseVendor.env)) expect((field as z.ZodType).description!.length).toBeGreaterThan(30);
  });
});
