import { createHmac } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { tencentUserSig } from '../../../src/protocols/tencent-usersig';

describe('Tencent UserSig (TLSSigAPIv2)', () => {
  test('When a UserSig is made, then it decodes (URL-safe base64, zlib) to the documented fields and an HMAC-SHA256 over them with the key', () => {
    const sig = tencentUserSig(1400000000, 'xiaojun', '5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e', 1_767_225_600, 86_400);

    expect(sig).toMatch(/^[A-Za-z0-9*\-_]+$/);
    const doc = JSON.parse(inflateSync(Buffer.from(sig.replace(/\*/g, '+').replace(/-/g, '/').replace(/_/g, '='), 'base64')).toString()) as Record<string, unknown>;
    expect(doc).toMatchObject({ 'TLS.ver': '2.0', 'TLS.identifier': 'xiaojun', 'TLS.sdkappid': 1400000000, 'TLS.time': 1_767_225_600, 'TLS.expire': 86_400 });
    const expected = createHmac('sha256', '5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e')
      .update('TLS.identifier:xiaojun\nTLS.sdkappid:1400000000\nTLS.time:1767225600\nTLS.expire:86400\n').digest('base64');
    expect(doc['TLS.sig']).toBe(expected);
  });
});
