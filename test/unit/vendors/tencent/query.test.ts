import { CallbackError } from '../../../../src/errors';
import { parseTencentQuery } from '../../../../src/vendors/tencent/query';

const base = 'SdkAppid=1400000001&CallbackCommand=C2C.CallbackAfterSendMsg&contenttype=json&ClientIP=127.0.0.1&OptPlatform=iOS';
const parse = (query: string) => parseTencentQuery(new URLSearchParams(query));

function problem(query: string): string {
  try {
    parse(query);
  } catch (error) {
    expect((error as CallbackError).reason).toBe('bad_query');
    return (error as CallbackError).message;
  }
  throw new Error('expected a bad query');
}

describe('parseTencentQuery', () => {
  test('When the documented query is given, then every field is read', () => {
    expect(parse(`${base}&Sign=abc&RequestTime=1`)).toEqual({
      sdkAppId: '1400000001',
      command: 'C2C.CallbackAfterSendMsg',
      clientIp: '127.0.0.1',
      platform: 'iOS',
      platformLabel: 'iOS',
      sign: 'abc',
      requestTime: '1',
    });
  });

  test('When parameter names differ in case and extras are present, then they are matched and the extras ignored', () => {
    const q = parse('SDKAPPID=1400000001&callbackcommand=C2C.CallbackAfterSendMsg&ContentType=JSON&clientip=::1&optplatform=android&foo=bar');
    expect(q.sdkAppId).toBe('1400000001');
    expect(q.clientIp).toBe('::1');
    expect(q.platformLabel).toBe('Android');
  });

  test.each([
    ['RESTAPI', 'RESTAPI'],
    ['Web', 'Web'],
    ['IOS', 'iOS'],
    ['iOs', 'iOS'],
    ['Windows', 'Windows'],
    ['Mac', 'Mac'],
    ['macOS', 'Mac'],
    ['IPad', 'iPad'],
    ['Unknown', 'Unknown'],
    ['HarmonyOS', 'other'],
  ])('When OptPlatform is %s, then the label is %s and the raw value is kept', (raw, label) => {
    const q = parse(`SdkAppid=1&CallbackCommand=X.Y&OptPlatform=${raw}`);
    expect(q.platformLabel).toBe(label);
    expect(q.platform).toBe(raw);
  });

  test.each([
    ['empty', 'ClientIP='],
    ['not an address', 'ClientIP=not-an-ip'],
    ['out of range', 'ClientIP=999.1.1.1'],
  ])('When ClientIP is %s, then the callback is accepted without a client address', (_case, param) => {
    const q = parse(base.replace('ClientIP=127.0.0.1', param));

    expect(q.clientIp).toBeUndefined();
    expect(q.sdkAppId).toBe('1400000001');
  });

  test.each([
    ['01400000001', '1400000001'],
    ['0001400000001', '1400000001'],
    ['1400000001', '1400000001'],
    ['0', '0'],
    ['000', '0'],
  ])('When SdkAppid is %s, then it is read as the app %s', (raw, canonical) => {
    expect(parse(`SdkAppid=${raw}&CallbackCommand=X.Y`).sdkAppId).toBe(canonical);
  });

  test('When OptPlatform is absent, then the label is none', () => {
    expect(parse('SdkAppid=1&CallbackCommand=X.Y').platformLabel).toBe('none');
  });

  test.each([
    ['CallbackCommand=C2C.CallbackAfterSendMsg', 'SdkAppid is missing'],
    ['SdkAppid=14000x&CallbackCommand=C2C.CallbackAfterSendMsg', 'SdkAppid must be digits'],
    ['SdkAppid=1400000001', 'CallbackCommand is missing'],
    ['SdkAppid=1400000001&CallbackCommand=C2C Callback', 'CallbackCommand must look like C2C.CallbackAfterSendMsg'],
    [`${base.replace('contenttype=json', 'contenttype=xml')}`, 'contenttype must be json'],
    [`${base}&SdkAppid=1400000002`, 'query parameter SdkAppid is repeated'],
    [`${base}&sdkappid=1400000002`, 'query parameter sdkappid is repeated'],
  ])('When the query is %s, then it is refused: %s', (query, message) => {
    expect(problem(query)).toBe(message);
  });

  test.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'])(
    'When the query has a parameter named %s (an Object.prototype name), then it is ignored like any unknown parameter',
    (name) => {
      const once = parse(`${base}&${name}=x`);
      const twice = parse(`${base}&${name}=x&${name.toUpperCase()}=y`);

      expect(once.sdkAppId).toBe('1400000001');
      expect(once.command).toBe('C2C.CallbackAfterSendMsg');
      expect(twice).toEqual(once);
    },
  );
});
