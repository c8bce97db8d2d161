import type { Event } from '../../../src/events/event';
import { matchesRoute, routeFilterSchema } from '../../../src/pipeline/routing';

const event = (extensions: Record<string, string | number | boolean>): Event => ({
  attributes: { specversion: '1.0', id: 'i', source: 's', type: 't', time: 't', datacontenttype: 'application/json', ...extensions },
  data: '{}',
});
const sent = event({ vendor: 'tencent', command: 'C2C.CallbackAfterSendMsg', sdkappid: '1400000001', msgtypes: 'TIMTextElem,TIMCustomElem', sendresult: '0', sendfailed: false });
const failed = event({ vendor: 'tencent', command: 'C2C.CallbackAfterSendMsg', sdkappid: '1400000002', msgtypes: 'TIMTextElem', sendresult: '80001', sendfailed: true });
const report = event({ vendor: 'tencent', command: 'C2C.CallbackAfterMsgReport', sdkappid: '1400000001' });

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

  test('When a filter has an unknown key or an empty list, then it is refused', () => {
    expect(routeFilterSchema.safeParse({ command: ['x'] }).success).toBe(false);
    expect(routeFilterSchema.safeParse({ commands: [] }).success).toBe(false);
  });
});
