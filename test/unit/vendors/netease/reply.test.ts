import { createNeteaseVendor } from '../../../../src/vendors/netease';
import { neteaseFixture, testAppKey, testSecret } from './fixtures';

const vendor = createNeteaseVendor({ appSecrets: [testSecret], appKey: testAppKey, curTimeWindowSeconds: undefined });

describe('NetEase replies', () => {
  test.each(['accepted', 'duplicate', 'ignored'] as const)('When the outcome is %s, then the reply is 200 with a small JSON body', (kind) => {
    expect(vendor.reply({ kind }, undefined)).toEqual({ status: 200, body: { code: 200, outcome: kind } });
  });

  test('When the body was quarantined, then the reply is 200 (a resend cannot help) and names the problem', () => {
    expect(vendor.reply({ kind: 'quarantined', detail: 'attach.url: expected string' }, undefined)).toEqual({ status: 200, body: { code: 200, outcome: 'quarantined', detail: 'attach.url: expected string' } });
  });

  test.each([
    ['auth_failed', 401, undefined],
    ['app_not_allowed', 403, undefined],
    ['payload_too_large', 413, undefined],
    ['rate_limited', 429, 1],
    ['spool_full', 503, 5],
    ['spool_unavailable', 503, 1],
  ] as const)('When the failure is %s, then the status is %i with the reason in the body and Retry-After where a retry helps', (reason, status, retryAfterSeconds) => {
    const reply = vendor.reply({ kind: 'failed', reason, info: 'precise text', retryAfterSeconds }, undefined);

    expect(reply).toEqual({
      status,
      headers: retryAfterSeconds === undefined ? undefined : { 'Retry-After': String(retryAfterSeconds) },
      body: { code: status, outcome: 'failed', reason, info: 'precise text' },
    });
  });

  test('When the head is stored for quarantine, then AppKey, CurTime and MD5 are kept and the CheckSum is redacted', () => {
    const n1 = neteaseFixture('n1-p2p-text');

    expect(vendor.storedHead(n1.head)).toEqual({ headers: { appkey: testAppKey, curtime: '1718000000123', md5: '3674162137cbfe89d8ba2f62b48143f8', checksum: 'redacted' } });
  });
});
