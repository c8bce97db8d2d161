import { CallbackError } from '../../../../src/errors';
import { neteaseBodyMd5, neteaseChecksum, verifyNeteaseRequest } from '../../../../src/vendors/netease/checksum';
import type { NeteaseSettings } from '../../../../src/vendors/netease/settings';
import type { CallbackHead } from '../../../../src/vendors/vendor';
import { neteaseFixture, signedHeaders, testAppKey, testSecret } from './fixtures';

const settings: NeteaseSettings = { appSecrets: [testSecret], appKey: testAppKey, curTimeWindowSeconds: undefined };
const n1 = neteaseFixture('n1-p2p-text');
const now = 1_718_000_000_500;

function reasonOf(head: CallbackHead, body: Buffer, s: NeteaseSettings = settings, nowMs = now): string {
  try {
    verifyNeteaseRequest(head, body, s, nowMs);
    return 'accepted';
  } catch (error) {
    return error instanceof CallbackError ? `${error.reason}: ${error.message}` : `unexpected: ${String(error)}`;
  }
}

const withHeaders = (changes: Record<string, string | undefined>): CallbackHead => ({ query: new URLSearchParams(), headers: { ...n1.head.headers, ...changes } });

describe('NetEase MD5 and CheckSum (protocols/netease.md §8)', () => {
  test.each([
    ['n1-p2p-text', '3674162137cbfe89d8ba2f62b48143f8', '0bb93e29f219e346bd2ba9587cc27c00cdaac95b'],
    ['n2-team-picture', '65e004092f640da4f9af14fe666e08c2', '2adb2e60397052841ec0f09d4102ddd87a1f6883'],
    ['n3-p2p-recall', '551c6b09b45636cbb49e4d33752a099b', '91ac165d28c02bf1410fbd4b5e0f78b52306baf9'],
    ['n4-probe', '99914b932bd37a50b983c5e7c90ae93b', '43e52a27dec8fbb9d92eb4ccbe22af48671eff61'],
    ['n5-numeric-event-type', '2a0df5c922bac9b159a7eaa2db354fd8', '23fa0c8147c8ea1654fe51feaf73ee09411c85a3'],
    ['n6-odd-whitespace', '9930a318e08d3f1c8ccc57a4f29cd8ba', '0cbe90c1eb566e600acb7586325f8f9af283e111'],
  ])('When %s is hashed from its stored bytes, then MD5 and CheckSum are the published vectors and it verifies', (name, md5, checksum) => {
    const fixture = neteaseFixture(name);

    expect(neteaseBodyMd5(fixture.body)).toBe(md5);
    expect(neteaseChecksum(testSecret, md5, fixture.head.headers.curtime!)).toBe(checksum);
    expect(reasonOf(fixture.head, fixture.body)).toBe('accepted');
  });

  test.each(['n6-odd-whitespace', 'p2p-audio-escaped-slashes'])('When %s is verified over a re-serialised body instead of the raw bytes, then it fails (only the raw bytes verify)', (name) => {
    const fixture = neteaseFixture(name);
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(fixture.body.toString('utf8'))));

    expect(reserialised.equals(fixture.body)).toBe(false);
    expect(reasonOf(fixture.head, reserialised)).toBe('auth_failed: MD5 header does not match the body as received');
    expect(reasonOf(fixture.head, fixture.body)).toBe('accepted');
  });

  test('When N1 (Chinese text) is re-serialised, then the bytes happen to be equal, which is why N6 exists', () => {
    expect(Buffer.from(JSON.stringify(JSON.parse(n1.body.toString('utf8')))).equals(n1.body)).toBe(true);
    expect(n1.body.toString('utf8')).toContain('你好');
  });

  test('When one character of the body changes (Bob! to B0b!), then the MD5 check refuses it', () => {
    const tampered = Buffer.from(n1.body.toString('utf8').replace('Bob!', 'B0b!'));

    expect(neteaseBodyMd5(tampered)).toBe('7037395af0b3e6834abc54bc5a8baba4');
    expect(reasonOf(n1.head, tampered)).toBe('auth_failed: MD5 header does not match the body as received');
  });

  test('When MD5 and CheckSum arrive upper-cased, then they are accepted', () => {
    const head = withHeaders({ md5: n1.head.headers.md5!.toUpperCase(), checksum: n1.head.headers.checksum!.toUpperCase() });

    expect(reasonOf(head, n1.body)).toBe('accepted');
  });

  test.each([
    ['md5', 'auth_failed: MD5 header is missing'],
    ['curtime', 'auth_failed: CurTime header is missing'],
    ['checksum', 'auth_failed: CheckSum header is missing'],
  ])('When the %s header is missing, then the reason says so', (header, reason) => {
    expect(reasonOf(withHeaders({ [header]: undefined }), n1.body)).toBe(reason);
  });

  test.each([
    [{ md5: 'xyz' }, 'auth_failed: MD5 header must be 32 hex characters'],
    [{ checksum: '0bb93e29' }, 'auth_failed: CheckSum header must be 40 hex characters'],
    [{ curtime: '1718000000123, 1718000000123' }, 'auth_failed: CurTime header must be a timestamp in milliseconds'],
    [{ curtime: '1718000000124' }, 'auth_failed: CheckSum does not match any configured AppSecret'],
  ])('When a signing header is malformed or changed (%o), then it is refused with a precise reason', (changes, reason) => {
    expect(reasonOf(withHeaders(changes), n1.body)).toBe(reason);
  });

  test('When the AppKey header is absent, then the request is accepted; when it differs, it is not allowed', () => {
    expect(reasonOf(withHeaders({ appkey: undefined }), n1.body)).toBe('accepted');
    expect(reasonOf(withHeaders({ appkey: 'another0app0key' }), n1.body)).toBe('app_not_allowed: AppKey another0app0key is not allowed');
    expect(reasonOf(withHeaders({ appkey: 'two, keys' }), n1.body)).toBe('app_not_allowed: AppKey header must be 1-64 letters or digits');
  });

  test('When no AppKey is configured, then any well-formed AppKey header is accepted', () => {
    expect(reasonOf(withHeaders({ appkey: 'another0app0key' }), n1.body, { ...settings, appKey: undefined })).toBe('accepted');
  });

  test('When secrets rotate, then a request signed with either secret is accepted and one signed with neither is not', () => {
    const rotating = { ...settings, appSecrets: ['new-secret-2026', testSecret] };
    const signedWithNew: CallbackHead = { query: new URLSearchParams(), headers: signedHeaders(n1.body, '1718000000123', 'new-secret-2026') };

    expect(reasonOf(n1.head, n1.body, rotating)).toBe('accepted');
    expect(reasonOf(signedWithNew, n1.body, rotating)).toBe('accepted');
    expect(reasonOf(signedWithNew, n1.body, settings)).toBe('auth_failed: CheckSum does not match any configured AppSecret');
  });

  test('When a freshness window is set, then CurTime inside it passes and outside it is refused; without a window an old CurTime passes', () => {
    const windowed = { ...settings, curTimeWindowSeconds: 300 };

    expect(reasonOf(n1.head, n1.body, windowed, 1_718_000_000_123 + 299_000)).toBe('accepted');
    expect(reasonOf(n1.head, n1.body, windowed, 1_718_000_000_123 + 301_000)).toBe('auth_failed: CurTime is 301 s away from the server clock (limit 300 s)');
    expect(reasonOf(n1.head, n1.body, settings, 1_718_000_000_123 + 30 * 86_400_000)).toBe('accepted');
  });

  test('When the empty-body probe is signed, then it verifies', () => {
    const probe = neteaseFixture('probe-empty');

    expect(probe.body.length).toBe(0);
    expect(reasonOf(probe.head, probe.body)).toBe('accepted');
  });
});
