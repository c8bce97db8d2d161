import { CallbackError } from '../../../../src/errors';
import { admitTencentRequest, parseTencentBody } from '../../../../src/vendors/tencent/intake';
import { parseTencentQuery } from '../../../../src/vendors/tencent/query';
import { tencentSign } from '../../../../src/vendors/tencent/sign';
import { allFixtures, loadFixture } from '../../../helpers/fixtures';

const settings = { sdkAppIds: ['1400000001'], callbackTokens: ['tok'], signWindowSeconds: 60 };
const nowMs = 1_767_225_600_000;
const signed = (extra = '') =>
  new URLSearchParams(`SdkAppid=1400000001&CallbackCommand=C2C.CallbackAfterSendMsg&Sign=${tencentSign('tok', '1767225600')}&RequestTime=1767225600${extra}`);

function reasonOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as CallbackError).reason;
  }
  return 'none';
}

describe('admitTencentRequest', () => {
  test('When the app is allowed and the Sign is fresh, then the query is returned', () => {
    expect(admitTencentRequest(signed(), settings, nowMs).sdkAppId).toBe('1400000001');
  });

  test('When the SdkAppid is not in the allow-list, then it is app_not_allowed (checked before the Sign)', () => {
    const params = new URLSearchParams('SdkAppid=1400000002&CallbackCommand=C2C.CallbackAfterSendMsg');
    expect(reasonOf(() => admitTencentRequest(params, settings, nowMs))).toBe('app_not_allowed');
  });

  test('When the SdkAppid is zero-padded, then it is the allowed app, and an allow-list entry with zeros matches too', () => {
    const padded = new URLSearchParams(signed().toString().replace('SdkAppid=1400000001', 'SdkAppid=01400000001'));

    expect(admitTencentRequest(padded, settings, nowMs).sdkAppId).toBe('1400000001');
    expect(admitTencentRequest(signed(), { ...settings, sdkAppIds: ['001400000001'] }, nowMs).sdkAppId).toBe('1400000001');
  });

  test('When no allow-list and no token are configured, then any app without a Sign is admitted', () => {
    const params = new URLSearchParams('SdkAppid=42&CallbackCommand=C2C.CallbackAfterSendMsg');
    expect(admitTencentRequest(params, { sdkAppIds: undefined, callbackTokens: undefined, signWindowSeconds: 60 }, nowMs).sdkAppId).toBe('42');
  });

  test('When a token is configured and the Sign is missing, then it is auth_failed', () => {
    const params = new URLSearchParams('SdkAppid=1400000001&CallbackCommand=C2C.CallbackAfterSendMsg');
    expect(reasonOf(() => admitTencentRequest(params, settings, nowMs))).toBe('auth_failed');
  });

  test('When the clock is 61 s past RequestTime, then it is auth_failed', () => {
    expect(reasonOf(() => admitTencentRequest(signed(), settings, nowMs + 61_000))).toBe('auth_failed');
  });
});

describe('parseTencentBody', () => {
  const queryFor = (command: string) => parseTencentQuery(new URLSearchParams({ SdkAppid: '1', CallbackCommand: command }));

  test.each(allFixtures().map((f) => [f.name, f] as const))('When the fixture %s is parsed, then it is valid and unchanged', (_name, fixture) => {
    const text = JSON.stringify(fixture.body);

    const parsed = parseTencentBody(Buffer.from(text), queryFor(fixture.query.CallbackCommand as string));

    expect(parsed).toEqual({ ok: true, body: fixture.body, text });
  });

  test.each([
    ['an empty body', '', 'empty_body', 'body is empty'],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), 'invalid_encoding', 'body is not valid UTF-8'],
    ['truncated JSON', '{"CallbackCommand":"C2C.Callback', 'malformed_json', /^body is not valid JSON: /],
    ['null', 'null', 'invalid_payload', 'body: expected object, received null'],
    ['an array', '[]', 'invalid_payload', 'body: expected object, received array'],
    ['a string', '"🐥"', 'invalid_payload', 'body: expected object, received string'],
    ['a body for another command', JSON.stringify({ CallbackCommand: 'Group.CallbackAfterSendMsg' }), 'command_mismatch', 'CallbackCommand in the body (Group.CallbackAfterSendMsg) differs from the query (C2C.CallbackAfterSendMsg)'],
    ['a body with an empty MsgKey', JSON.stringify({ ...loadFixture('c2c-after-send-text').body, MsgKey: '' }), 'invalid_payload', /^MsgKey: Too small/],
    ['a text element with a number', JSON.stringify({ ...loadFixture('c2c-after-send-text').body, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 7 } }] }), 'invalid_payload', 'MsgBody[0].MsgContent.Text: expected string, received number'],
    ['UnreadMsgNum below -1', JSON.stringify({ ...loadFixture('c2c-after-send-text').body, UnreadMsgNum: -2 }), 'invalid_payload', /^UnreadMsgNum: Too small/],
  ])('When the body is %s, then it is not accepted: %s', (_case, raw, reason, detail) => {
    const parsed = parseTencentBody(Buffer.from(raw as string), queryFor('C2C.CallbackAfterSendMsg'));

    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.reason).toBe(reason);
    if (detail instanceof RegExp) expect(parsed.detail).toMatch(detail);
    else expect(parsed.detail).toBe(detail);
  });

  test('When EventTime is a numeric string, then it is accepted; a non-numeric string is not', () => {
    const body = loadFixture('c2c-after-send-text').body;
    const q = queryFor('C2C.CallbackAfterSendMsg');
    expect(parseTencentBody(Buffer.from(JSON.stringify({ ...body, EventTime: '1767225601234' })), q).ok).toBe(true);
    expect(parseTencentBody(Buffer.from(JSON.stringify({ ...body, EventTime: 'soon' })), q).ok).toBe(false);
  });

  test('When a command has no typed schema, then any object carrying that command is accepted', () => {
    const parsed = parseTencentBody(Buffer.from('{"CallbackCommand":"Sns.CallbackFriendAdd","PairList":[]}'), queryFor('Sns.CallbackFriendAdd'));
    expect(parsed.ok).toBe(true);
  });
});
