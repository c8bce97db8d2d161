import { z } from 'zod';
import { failureReasons, type FailureReason } from '../../../../src/errors';
import { easemobVendor } from '../../../../src/vendors/easemob';
import { maxReplyChars } from '../../../../src/vendors/easemob/reply';
import type { CallbackHead, Outcome } from '../../../../src/vendors/vendor';
import { fixtureAppKey, fixtureBytes, fixtureNames, fixtureSecret } from './fixtures';

const envSchema = z.object(easemobVendor.env);
const head: CallbackHead = { query: new URLSearchParams(), headers: { 'content-type': 'application/json' } };

function vendor() {
  const settings = easemobVendor.settings(envSchema.parse({ EASEMOB_CALLBACK_SECRETS: JSON.stringify(['rotated', fixtureSecret]), EASEMOB_APPKEY: fixtureAppKey }));
  if (!settings) throw new Error('expected settings');
  return easemobVendor.create(settings, { clock: () => 1718000000123, relayKeys: [] });
}

describe('easemobVendor', () => {
  describe('settings', () => {
    test('When no callback secret is configured, then the vendor is not configured', () => {
      expect(easemobVendor.settings(envSchema.parse({ EASEMOB_APPKEY: fixtureAppKey }))).toBeUndefined();
    });

    test('When secrets, App Key and window are set, then they are parsed exactly and the window is in milliseconds', () => {
      expect(easemobVendor.settings(envSchema.parse({ EASEMOB_CALLBACK_SECRETS: '["a","b"]', EASEMOB_APPKEY: 'acme#chatapp', EASEMOB_TIMESTAMP_WINDOW_SECONDS: '600' }))).toEqual({
        secrets: ['a', 'b'],
        appKey: 'acme#chatapp',
        timestampWindowMs: 600_000,
      });
    });

    test.each([
      [{ EASEMOB_CALLBACK_SECRETS: ' , ' }, 'EASEMOB_CALLBACK_SECRETS'],
      [{ EASEMOB_APPKEY: 'acme/chatapp' }, 'EASEMOB_APPKEY'],
      [{ EASEMOB_TIMESTAMP_WINDOW_SECONDS: '-1' }, 'EASEMOB_TIMESTAMP_WINDOW_SECONDS'],
    ])('When %j is set, then the configuration is refused naming the variable', (env, name) => {
      const result = envSchema.safeParse(env);

      expect(result.success).toBe(false);
      expect(z.prettifyError(result.error!)).toContain(name);
    });

    test('When the App Key is not set, then a startup warning says every App Key is accepted', () => {
      const settings = easemobVendor.settings(envSchema.parse({ EASEMOB_CALLBACK_SECRETS: 's' }));

      expect(easemobVendor.warnings(settings)).toEqual([expect.stringContaining('EASEMOB_APPKEY is not set')]);
      expect(easemobVendor.warnings(easemobVendor.settings(envSchema.parse({ EASEMOB_CALLBACK_SECRETS: 's', EASEMOB_APPKEY: 'a#b' })))).toEqual([]);
    });

    test('When the README table is generated, then every variable has a description and the secret can come from a file', () => {
      for (const [name, schema] of Object.entries(easemobVendor.env)) expect([name, schema.description?.length ?? 0]).not.toEqual([name, 0]);
      expect(easemobVendor.secretFiles).toEqual(['EASEMOB_CALLBACK_SECRETS']);
    });
  });

  test('When built, then it authenticates over the body and its labels are a closed set', () => {
    const v = vendor();

    expect(v).toMatchObject({ name: 'easemob', authenticates: 'body' });
    expect(v.labels).toEqual(['chat', 'groupchat', 'recall', 'read_ack', 'notify', 'muc', 'other']);
    expect(v.labels).toContain(v.label(head));
    for (const name of fixtureNames()) expect(v.labels).toContain(v.toEvent(head, fixtureBytes(name), 0).label);
  });

  test('When a fixture is authenticated with a rotated-in secret list, then it passes; a wrong secret fails', () => {
    const v = vendor();

    expect(() => v.authenticate(head, fixtureBytes('chat-txt'), 1718000000123)).not.toThrow();
    expect(() => v.authenticate(head, Buffer.from(fixtureBytes('chat-txt').toString().replace('1951f7', '1951f8')), 0)).toThrow('security does not match');
  });

  test('When a head is stored with a quarantined body, then only the content type is kept', () => {
    expect(vendor().storedHead({ query: new URLSearchParams('a=b'), headers: { 'content-type': 'application/json', cookie: 'x' } })).toEqual({
      headers: { 'content-type': 'application/json' },
    });
  });

  describe('replies', () => {
    test.each<Outcome>([{ kind: 'accepted' }, { kind: 'duplicate' }, { kind: 'ignored' }, { kind: 'quarantined', detail: 'x'.repeat(5000) }])(
      'When the outcome is $kind, then the reply is 200 and short',
      (outcome) => {
        const reply = vendor().reply(outcome, head);

        expect(reply.status).toBe(200);
        expect(JSON.stringify(reply.body).length).toBeLessThan(maxReplyChars);
      },
    );

    test.each(Object.keys(failureReasons) as FailureReason[])('When a request fails with %s, then the status is the catalogue one and the body stays under 1,000 characters', (reason) => {
      const reply = vendor().reply({ kind: 'failed', reason, info: '字'.repeat(5000), retryAfterSeconds: 3 }, undefined);

      expect(reply.status).toBe(failureReasons[reason].httpStatus);
      expect(reply.status).not.toBe(200);
      expect(JSON.stringify(reply.body).length).toBeLessThan(maxReplyChars);
      expect(reply.body).toMatchObject({ result: 'failed', reason });
      expect(reply.headers).toEqual({ 'retry-after': '3' });
    });

    test('When authentication fails, then the reply is 401 with the reason', () => {
      expect(vendor().reply({ kind: 'failed', reason: 'auth_failed', info: 'security does not match' }, head)).toEqual({
        status: 401,
        body: { result: 'failed', reason: 'auth_failed', info: 'security does not match' },
      });
    });
  });
});
