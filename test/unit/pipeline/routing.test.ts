import type { Event } from '../../../src/events/event';
import { matchesRoute, routeFilterSchema } from '../../../src/pipeline/routing';

const event = (extensions: Record<string, string | number | boolean>): Event => ({
  attributes: { specversion: '1.0', id: 'i', source: 's', type: 't', time: 't', datacontenttype: 'application/json', ...extensions },
  data: '{}',
});
const sent = event({ vendor: 'tencent', command: 'C2C.CallbackAfterSendMsg', sdkappid: '1400000001', msgtypes: 'TIMTextElem,TIMCustomElem', sendresult: '0', sendfailed: false });
const failed = event({ vendor: 'tencent', command: 'C2C.CallbackAfterSendMsg', sdkappid: '1400000002', msgtypes: 'TIMTextElem', sendresult: '80001', sendfailed: true });
const report = event({ vendor: 'tencent', command: 'C2C.CallbackAfterMsgReport', sdkappid: '1400000001' });
const team = event({ vendor: 'netease', command: 'conversation', appid: 'k1', convtype: 'group', elementkinds: 'image', msgtypes: 'PICTURE' });
const room = event({ vendor: 'netease', command: 'chatroom_message', appid: 'k2', convtype: 'chatroom', elementkinds: 'custom' });
const undelivered = event({ vendor: 'easemob', command: 'chat', appid: 'org#app', convtype: 'c2c', elementkinds: 'text,custom' });
const common = [team, room, { ...undelivered, attributes: { ...undelivered.attributes, sendfailed: true } }];

describe('matchesRoute', () => {
  test.each([
    ['no filter', undefined, [true, true, true]],
    ['vendors', { vendors: ['tencent'] }, [true, true, true]],
    ['vendors (other)', { vendors: ['netease'] }, [false, false, false]],
    ['commands', { commands: ['C2C.CallbackAfterSendMsg'] }, [true, true, false]],
    ['sdkAppIds', { sdkAppIds: ['1400000001'] }, [true, false, true]],
    ['msgTypes', { msgTypes: ['TIMCustomElem'] }, [true, false, false]],
    ['sendResult failed', { sendResult: 'failed' }, [false, true, false]],
    ['sendResult ok', { sendResult: 'ok' }, [true, false, false]],
    ['commands AND sdkAppIds', { commands: ['C2C.CallbackAfterSendMsg'], sdkAppIds: ['1400000002'] }, [false, true, false]],
  ])('When the filter is %s, then it picks the expected events', (_name, filter, expected) => {
    const parsed = filter === undefined ? undefined : routeFilterSchema.parse(filter);

    expect([sent, failed, report].map((e) => matchesRoute(parsed, e))).toEqual(expected);
  });

  test.each([
    ['appIds', { appIds: ['k2', 'org#app'] }, [false, true, true]],
    ['conversations', { conversations: ['group', 'c2c'] }, [true, false, true]],
    ['elementKinds', { elementKinds: ['custom'] }, [false, true, true]],
    ['msgTypes (vendor types)', { msgTypes: ['PICTURE'] }, [true, false, false]],
    ['sendFailed true', { sendFailed: true }, [false, false, true]],
    ['sendFailed false (events that say nothing never match)', { sendFailed: false }, [false, false, false]],
    ['vendors AND conversations', { vendors: ['netease'], conversations: ['chatroom'] }, [false, true, false]],
  ])('When the filter on common attributes is %s, then it picks the expected events of every vendor', (_name, filter, expected) => {
    const parsed = routeFilterSchema.parse(filter);

    expect(common.map((e) => matchesRoute(parsed, e))).toEqual(expected);
  });

  test('When sdkAppIds is given, then it matches the common appid attribute too', () => {
    const withCommon = event({ vendor: 'tencent', command: 'C2C.CallbackAfterSendMsg', appid: '1400000001', sendfailed: false });

    expect(matchesRoute(routeFilterSchema.parse({ sdkAppIds: ['1400000001'], sendResult: 'ok' }), withCommon)).toBe(true);
    expect(matchesRoute(routeFilterSchema.parse({ sdkAppIds: ['1400000002'] }), withCommon)).toBe(false);
  });

  test('When a filter names an element kind that does not exist, then it is refused', () => {
    expect(routeFilterSchema.safeParse({ elementKinds: ['sticker'] }).success).toBe(false);
  });

  test('When a filter has an unknown key or an empty list, then it is refused', () => {
    expect(routeFilterSchema.safeParse({ command: ['x'] }).success).toBe(false);
    expect(routeFilterSchema.safeParse({ commands: [] }).success).toBe(false);
  });
});
