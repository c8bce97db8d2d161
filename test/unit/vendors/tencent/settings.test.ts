import { z } from 'zod';
import { tencentVendor } from '../../../../src/vendors/tencent';

const env = z.object(tencentVendor.env);
const problem = (values: Record<string, string>) => {
  const result = env.safeParse(values);
  return result.success ? undefined : z.prettifyError(result.error);
};

describe('tencentVendor settings', () => {
  test('When two tokens are given for a rotation, then both are used exactly as written', () => {
    const settings = tencentVendor.settings(env.parse({ TENCENT_CALLBACK_TOKENS: '["new-token","old-token"]', TENCENT_SDKAPPIDS: '1400000001' }));

    expect(settings).toMatchObject({ callbackTokens: ['new-token', 'old-token'], sdkAppIds: ['1400000001'], signWindowSeconds: 60 });
  });

  test.each([
    ['a token with a space before it', '["new-token"," old-token"]', /item 2 of 2: has white space around it/],
    ['a token with a trailing newline', 'token\n', /white space around it/],
    ['a comma-separated list', 'new-token,old-token', /contains a comma: .* must be written as a JSON array: \["old","new"\]/],
    ['a trailing comma', 'token,', /contains a comma/],
    ['a token over 128 characters', 'x'.repeat(129), /TENCENT_CALLBACK_TOKENS/],
  ])('When the tokens hold %s, then the configuration is refused with a clear reason', (_case, tokens, message) => {
    expect(problem({ TENCENT_CALLBACK_TOKENS: tokens })).toMatch(message);
  });

  test('When no token and no allow-list are set, then the Sign check is off and both are warned about', () => {
    const settings = tencentVendor.settings(env.parse({}));

    expect(settings).toMatchObject({ callbackTokens: undefined, sdkAppIds: undefined });
    expect(tencentVendor.warnings(settings)).toHaveLength(2);
  });
});
