import { createRequire } from 'node:module';
import { tencentUserSig as userSig } from '../../../src/protocols/tencent-usersig';
import { checkUserSig, decodeUserSig } from '../../helpers/tencent-standin';

// Tencent's own Node library is the oracle (its package.json names a missing "main" first, so load the file).
const { Api } = createRequire(__filename)('tls-sig-api-v2/TLSSigAPIv2.js') as { Api: new (sdkAppId: number, key: string) => { genUserSig(id: string, expire: number): string } };
/** The key of Tencent's own sample (TLSSigAPITest.js). */
const key = '5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e';

describe('Tencent admin UserSig', () => {
  test.each([
    [1400000000, 'xiaojun', 86400 * 180],
    [1400000077, 'administrator', 600],
    [1600012345, '管理员-1', 7 * 86400],
  ])('When made for %i / %s / %i s, then it is the same string as Tencent’s library makes at that second', (sdkAppId, identifier, expire) => {
    const official = new Api(sdkAppId, key).genUserSig(identifier, expire);
    const time = decodeUserSig(official)['TLS.time'] as number;

    expect(userSig(sdkAppId, identifier, key, time, expire)).toBe(official);
  });

  test('When decoded as Tencent documents it, then it carries the fields and verifies with the key only', () => {
    const sig = userSig(1400000000, 'xiaojun', key, 1_767_225_600, 86400);

    expect(decodeUserSig(sig)).toEqual({ 'TLS.ver': '2.0', 'TLS.identifier': 'xiaojun', 'TLS.sdkappid': 1400000000, 'TLS.time': 1_767_225_600, 'TLS.expire': 86400, 'TLS.sig': expect.any(String) });
    expect(sig).toMatch(/^[A-Za-z0-9*_-]+$/);
    expect(checkUserSig(sig, 'xiaojun', 1400000000, key, 1_767_225_600)).toBe(0);
    expect(checkUserSig(sig, 'xiaojun', 1400000000, 'other', 1_767_225_600)).toBe(70009);
    expect(checkUserSig(sig, 'xiaojun', 1400000000, key, 1_767_225_600 + 86401)).toBe(70001);
  });
});
