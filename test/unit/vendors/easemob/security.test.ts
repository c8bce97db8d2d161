import { CallbackError } from '../../../../src/errors';
import { authenticateEasemob } from '../../../../src/vendors/easemob/intake';
import { easemobSecurity } from '../../../../src/vendors/easemob/security';
import type { EasemobCallbackSettings } from '../../../../src/vendors/easemob/settings';
import { fixtureAppKey, fixtureBytes, fixtureJson, fixtureNames, fixtureSecret, resign } from './fixtures';

const settings: EasemobCallbackSettings = { secrets: [fixtureSecret], appKey: fixtureAppKey, timestampWindowMs: 0 };
const now = 1718000000123;

function failure(body: Buffer | undefined, s: EasemobCallbackSettings = settings, nowMs = now): CallbackError | undefined {
  try {
    authenticateEasemob(body, s, nowMs);
    return undefined;
  } catch (error) {
    return error as CallbackError;
  }
}

describe('Easemob callback security', () => {
  test.each([
    ['acme#chatapp_6f1c9b2e-4d3a-4b8e-9c7d-2a1b3c4d5e6f', '1718000000123', '1951f7729638c911943763f10a80f66f'],
    ['acme#chatapp_0b7e5a3c-2f1d-4e6a-8b9c-7d6e5f4a3b2c', '1718000200789', 'b9f49d6127421713808a3c0c12258f00'],
    ['acme#chatapp_1229384756102938475', '1718000100456', '072d1f448155e1ca9868f0e901cff653'],
  ])('When signing the protocol vectors (%s), then the documented security comes out', (callId, timestamp, expected) => {
    expect(easemobSecurity(callId, fixtureSecret, timestamp)).toBe(expected);
  });

  test.each(fixtureNames())('When fixture %s is posted as stored, then it authenticates', (name) => {
    expect(failure(fixtureBytes(name))).toBeUndefined();
  });

  test('When one hex digit of security is changed, then it is refused as auth_failed', () => {
    const body = fixtureJson('chat-txt');
    const security = body.security as string;
    const tampered = Buffer.from(JSON.stringify({ ...body, security: (security[0] === 'a' ? 'b' : 'a') + security.slice(1) }));

    expect(failure(tampered)).toMatchObject({ reason: 'auth_failed', message: 'security does not match' });
  });

  test('When the timestamp is changed and the signature kept, then it is refused', () => {
    const body = { ...fixtureJson('chat-txt'), timestamp: 1718000000124 };

    expect(failure(Buffer.from(JSON.stringify(body)))?.reason).toBe('auth_failed');
  });

  test('When the callId is changed and the signature kept, then it is refused', () => {
    const body = { ...fixtureJson('chat-txt'), callId: 'acme#chatapp_other' };

    expect(failure(Buffer.from(JSON.stringify(body)))?.reason).toBe('auth_failed');
  });

  test('When security is upper-cased, then it is accepted', () => {
    const body = fixtureJson('chat-txt');

    expect(failure(Buffer.from(JSON.stringify({ ...body, security: (body.security as string).toUpperCase() })))).toBeUndefined();
  });

  test('When the appkey is another app, re-signed or not, then it is refused as app_not_allowed', () => {
    const body = { ...fixtureJson('chat-txt'), appkey: 'other#app' };

    expect(failure(Buffer.from(JSON.stringify(body)))?.reason).toBe('app_not_allowed');
    expect(failure(resign(body))?.reason).toBe('app_not_allowed');
  });

  test('When no App Key is configured, then a signed callback of any App Key is accepted', () => {
    expect(failure(resign({ ...fixtureJson('chat-txt'), appkey: 'other#app' }), { ...settings, appKey: undefined })).toBeUndefined();
  });

  test('When the message text is altered and the original security kept, then it is accepted (the signature does not cover the body)', () => {
    const body = fixtureJson('chat-txt') as { payload: { bodies: { msg: string }[] } };
    body.payload.bodies[0]!.msg = 'altered';

    expect(failure(Buffer.from(JSON.stringify(body)))).toBeUndefined();
  });

  test('When the secrets are rotating, then a callback signed with either is accepted and one signed with neither is refused', () => {
    const rotating = { ...settings, secrets: ['new-secret', fixtureSecret] };

    expect(failure(fixtureBytes('chat-txt'), rotating)).toBeUndefined();
    expect(failure(resign(fixtureJson('chat-txt'), 'new-secret'), rotating)).toBeUndefined();
    expect(failure(resign(fixtureJson('chat-txt'), 'old-secret'), rotating)?.reason).toBe('auth_failed');
  });

  test('When a timestamp window is set, then a callback outside it is refused and one inside it accepted', () => {
    const windowed = { ...settings, timestampWindowMs: 300_000 };

    expect(failure(fixtureBytes('chat-txt'), windowed, now + 299_000)).toBeUndefined();
    expect(failure(fixtureBytes('chat-txt'), windowed, now + 301_000)).toMatchObject({ reason: 'auth_failed', message: expect.stringContaining('301 s away') });
  });

  test('When the timestamp is a string of digits, then it is signed as that text', () => {
    expect(failure(resign({ ...fixtureJson('chat-txt'), timestamp: '1718000000123' }))).toBeUndefined();
  });

  test.each<[string, Buffer | undefined]>([
    ['no body', undefined],
    ['an empty body', Buffer.alloc(0)],
    ['truncated JSON', Buffer.from('{"callId":"a')],
    ['a JSON array', Buffer.from('[]')],
    ['JSON null', Buffer.from('null')],
    ['a string', Buffer.from('"🐥"')],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])],
    ['no security', Buffer.from(JSON.stringify({ callId: 'a', timestamp: 1 }))],
    ['a security of the wrong length', Buffer.from(JSON.stringify({ callId: 'a', timestamp: 1, security: 'abc' }))],
    ['a numeric callId', Buffer.from(JSON.stringify({ callId: 1, timestamp: 1, security: '0'.repeat(32) }))],
    ['a fractional timestamp', Buffer.from(JSON.stringify({ callId: 'a', timestamp: 1.5, security: '0'.repeat(32) }))],
    ['a negative timestamp', Buffer.from(JSON.stringify({ callId: 'a', timestamp: -1, security: '0'.repeat(32) }))],
    ['a huge callId', Buffer.from(JSON.stringify({ callId: 'a'.repeat(10_000), timestamp: 1, security: '0'.repeat(32) }))],
  ])('When the body has %s, then it is refused as auth_failed without throwing anything else', (_name, body) => {
    const error = failure(body);

    expect(error).toBeInstanceOf(CallbackError);
    expect(error?.reason).toBe('auth_failed');
    expect(error!.message.length).toBeLessThan(200);
  });

  test('When an unsigned body is too busy to be worth parsing (100,000 empty objects), then it is refused from its shape, never parsed', () => {
    const raw = Buffer.from(`{"callId":"x","a":[${Array.from({ length: 100_000 }, () => '{}').join(',')}]}`);
    const parse = jest.spyOn(JSON, 'parse');

    try {
      const refused = failure(raw);

      expect(refused?.reason).toBe('auth_failed');
      expect(refused?.message).toContain('body: JSON');
      expect(parse.mock.calls.filter(([text]) => typeof text === 'string' && text.length > 100_000)).toEqual([]);
    } finally {
      parse.mockRestore();
    }
  });
});
