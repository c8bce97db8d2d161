import { CloudEvent, HTTP } from 'cloudevents';
import { z } from 'zod';
import { eventToJson } from '../../../../src/events/event';
import { createTencentVendor } from '../../../../src/vendors/tencent';
import { commandLabel } from '../../../../src/vendors/tencent/commands';
import { allFixtures } from '../../../helpers/fixtures';
import { callbackPath, TEST_NOW_MS, TEST_TOKEN } from '../../../helpers/tencent';
import { describeVendorContract, type ContractFixture } from '../../../helpers/vendor-contract';

const settings = { sdkAppIds: ['1400000001'], callbackTokens: ['older-token', TEST_TOKEN], signWindowSeconds: 60 };
/** The signed query of a callback, as Tencent appends it to the callback URL. */
const signedQuery = (query: Record<string, string>) => new URLSearchParams(callbackPath(query).split('?')[1]);

/** Every Tencent fixture, signed: each one becomes an event whose envelope the `cloudevents` package validates. */
const fixtures: ContractFixture[] = allFixtures().map((fixture) => ({
  name: fixture.name,
  head: { query: signedQuery(fixture.query), headers: {} },
  body: Buffer.from(JSON.stringify(fixture.body)),
  nowMs: TEST_NOW_MS,
  expect: { kind: 'event', label: commandLabel(fixture.query.CallbackCommand) },
}));

describeVendorContract(
  () => ({
    vendor: createTencentVendor(settings),
    wrongSecret: createTencentVendor({ ...settings, callbackTokens: ['not-the-token'] }),
    secrets: settings.callbackTokens,
    sign: (body) => ({ head: { query: signedQuery({ SdkAppid: '1400000001', CallbackCommand: 'C2C.CallbackAfterSendMsg' }), headers: {} }, body, nowMs: TEST_NOW_MS }),
    replySchema: z.strictObject({ ActionStatus: z.enum(['OK', 'FAIL']), ErrorCode: z.union([z.literal(0), z.literal(1)]), ErrorInfo: z.string() }),
    neverIgnores: true,
  }),
  fixtures,
);

describe('tencent › CloudEvents envelopes', () => {
  const vendor = createTencentVendor(settings);
  const eventOf = (fixture: ContractFixture) => {
    const intake = vendor.toEvent(fixture.head, fixture.body, fixture.nowMs);
    if (intake.kind !== 'event') throw new Error(`${fixture.name}: ${intake.kind}`);
    return intake.event;
  };

  test.each(fixtures.map((f) => [f.name, f] as const))('When %s is emitted as structured JSON, then the cloudevents package reads it back strictly with the same attributes, none a number', (_name, fixture) => {
    const event = eventOf(fixture);

    const read = HTTP.toEvent({ headers: { 'content-type': 'application/cloudevents+json' }, body: eventToJson(event) }) as CloudEvent<unknown>;

    expect(() => read.validate()).not.toThrow();
    expect(() => new CloudEvent({ ...read }, true)).not.toThrow();
    const { data, ...attributes } = read.toJSON() as Record<string, unknown>;
    expect(attributes).toEqual(event.attributes);
    expect(data).toEqual(JSON.parse(event.data));
    expect(Object.entries(event.attributes).filter(([, value]) => typeof value === 'number')).toEqual([]);
  });

  test('When MsgSeq, MsgTime and SendMsgResult are beyond a 32-bit signed integer, then they are decimal strings', () => {
    const failed = fixtures.find((f) => f.name === 'c2c-after-send-failed')!;
    const body = { ...JSON.parse(failed.body.toString()), MsgSeq: 4_294_967_295, MsgTime: 4_294_967_295, MsgKey: 'k', SendMsgResult: 2_147_483_648 };

    const event = eventOf({ ...failed, body: Buffer.from(JSON.stringify(body)) });

    expect(event.attributes).toMatchObject({ msgseq: '4294967295', msgtime: '4294967295', sendresult: '2147483648', sendfailed: true });
    expect(() => new CloudEvent({ ...event.attributes }, true)).not.toThrow();
  });
});
