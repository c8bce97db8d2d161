import { bodyLimits, nestsDeeperThan } from '../../../../src/vendors/tencent/bounds';
import { msgBodySchema } from '../../../../src/vendors/tencent/elements';
import { parseTencentBody } from '../../../../src/vendors/tencent/intake';
import { parseTencentQuery } from '../../../../src/vendors/tencent/query';
import { loadFixture } from '../../../helpers/fixtures';

const MiB = 1024 * 1024;
const text = loadFixture('c2c-after-send-text');
const query = parseTencentQuery(new URLSearchParams(text.query));
/** `[0,0,0,…]` of about `bytes` bytes. */
const zeros = (bytes: number) => `[${Array<string>(Math.floor(bytes / 2)).fill('0').join(',')}]`;
/** The after-send body with its `MsgBody` replaced by raw JSON text. */
const withMsgBody = (msgBody: string) => JSON.stringify({ ...text.body, MsgBody: '\u0000' }).replace('"\\u0000"', msgBody);
const element = (type: string, content: string) => `[{"MsgType":"${type}","MsgContent":${content}}]`;
/** A TIMRelayElem whose one forwarded message holds another, `depth` levels deep, around a text element. */
function nestedRelay(depth: number): string {
  const open = '{"MsgType":"TIMRelayElem","MsgContent":{"MsgNum":1,"MsgList":[{"From_Account":"a","MsgBody":[';
  return `[${open.repeat(depth)}{"MsgType":"TIMTextElem","MsgContent":{"Text":"x"}}${']}]}}'.repeat(depth)}]`;
}

const tooMany = /^message holds more than 8192 entries in MsgBody, MsgList, AbstractList and ImageInfoArray$/;
const tooDeep = /^body nests objects and arrays deeper than 256 levels$/;

describe('parseTencentBody on hostile bodies', () => {
  test.each([
    ['MsgBody of 1 MiB of zeros', withMsgBody(zeros(MiB)), tooMany],
    ['ImageInfoArray of 1 MiB of zeros', withMsgBody(element('TIMImageElem', `{"UUID":"u","ImageInfoArray":${zeros(MiB)}}`)), tooMany],
    ['AbstractList of 1 MiB of zeros', withMsgBody(element('TIMRelayElem', `{"JsonMsgKey":"k","AbstractList":${zeros(MiB)}}`)), tooMany],
    ['MsgList of 1 MiB of zeros', withMsgBody(element('TIMRelayElem', `{"MsgList":${zeros(MiB)}}`)), tooMany],
    ['7,000 relays of 50 zeros each', withMsgBody(`[${Array<string>(7_000).fill(`{"MsgType":"TIMRelayElem","MsgContent":{"MsgList":${zeros(100)}}}`).join(',')}]`), tooMany],
    ['a TIMRelayElem nested 1,000 deep', withMsgBody(nestedRelay(1_000)), tooDeep],
    ['a TIMRelayElem nested 10,000 deep', withMsgBody(nestedRelay(10_000)), tooDeep],
    ['a TIMRelayElem nested 33 deep', withMsgBody(nestedRelay(33)), /^TIMRelayElem is nested deeper than 32 levels$/],
    ['an unknown field nested 100,000 deep', JSON.stringify(text.body).replace(/}$/, `,"Extra":${'['.repeat(100_000)}${']'.repeat(100_000)}}`), tooDeep],
    ['1,000 image elements whose sizes are numbers', withMsgBody(`[${Array<string>(1_000).fill('{"MsgType":"TIMImageElem","MsgContent":{"UUID":"u","ImageInfoArray":[0,0,0,0,0,0,0]}}').join(',')}]`), /^MsgBody\[0\]\.MsgContent\.ImageInfoArray\[0\]: expected object, received number$/],
    ['17 sizes of one image', withMsgBody(element('TIMImageElem', `{"UUID":"u","ImageInfoArray":[${Array<string>(17).fill('{"Type":1,"URL":"u"}').join(',')}]}`)), /^MsgBody\[0\]\.MsgContent\.ImageInfoArray: Too big: expected array to have <=16 items$/],
  ])('When the body is %s, then it is quarantined as invalid_payload with the bound it breaks, without throwing', (_case, body, detail) => {
    const parsed = parseTencentBody(Buffer.from(body), query);

    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.reason).toBe('invalid_payload');
    expect(parsed.detail).toMatch(detail);
  });

  test('When a TIMRelayElem is nested 32 deep (the limit), then the body is accepted', () => {
    expect(parseTencentBody(Buffer.from(withMsgBody(nestedRelay(bodyLimits.maxRelayDepth))), query).ok).toBe(true);
  });

  test('When a message holds exactly the entry budget, then it is accepted; one entry more is quarantined', () => {
    const lines = Array.from({ length: bodyLimits.maxAbstractLines }, (_, i) => `line ${i}`);
    const relay = (summary: string[]) => ({ MsgType: 'TIMRelayElem', MsgContent: { JsonMsgKey: 'k', AbstractList: summary } });
    const texts = (n: number) => Array.from({ length: n }, () => ({ MsgType: 'TIMTextElem', MsgContent: { Text: '' } }));
    // 8 relays of 1,000 lines plus 184 texts: 192 elements and 8,000 lines, 8,192 entries in all.
    const atBudget = [...Array.from({ length: 8 }, () => relay(lines)), ...texts(184)];
    const overBudget = [...Array.from({ length: 8 }, () => relay(lines)), ...texts(185)];

    const accepted = parseTencentBody(Buffer.from(JSON.stringify({ ...text.body, MsgBody: atBudget })), query);
    const refused = parseTencentBody(Buffer.from(JSON.stringify({ ...text.body, MsgBody: overBudget })), query);

    expect(accepted.ok).toBe(true);
    expect(refused).toMatchObject({ ok: false, reason: 'invalid_payload', detail: expect.stringMatching(tooMany) });
  });
});

describe('bounded arrays', () => {
  test('When a MsgBody holds many invalid elements, then validation stops at the first with one issue', () => {
    const result = msgBodySchema.safeParse(Array<number>(bodyLimits.maxElements).fill(0));

    expect(result.success).toBe(false);
    expect(result.error?.issues).toHaveLength(1);
  });

  test('When a MsgBody holds more elements than the limit, then it is refused before any element is checked', () => {
    const result = msgBodySchema.safeParse(Array<number>(bodyLimits.maxElements + 1).fill(0));

    expect(result.error?.issues.map((issue) => issue.code)).toEqual(['too_big']);
  });
});

describe('nestsDeeperThan', () => {
  test.each([
    ['{"a":[1,{"b":2}]}', 3, false],
    ['{"a":[1,{"b":2}]}', 2, true],
    ['{"a":"[[[[[[{{{{"}', 1, false],
    ['{"a":"\\"[[[[","b":[]}', 1, true],
    ['[]', 1, false],
  ])('When the JSON is %s and the limit %i, then it is %s', (json, limit, deeper) => {
    expect(nestsDeeperThan(json, limit)).toBe(deeper);
  });
});

describe('nestsDeeperThan on strings', () => {
  test.each([
    ['an escaped quote followed by brackets', '{"a":"x\\"[[[","b":1}', 1, false],
    ['an escaped backslash before the closing quote', '{"a":"x\\\\","b":[[1]]}', 2, true],
    ['three backslashes then a quote inside the string', '{"a":"\\\\\\"[[[[","b":1}', 1, false],
    ['a long text value', JSON.stringify({ a: `${'['.repeat(100_000)}"` }), 1, false],
  ])('When the JSON has %s, then only structure outside strings counts', (_case, json, limit, deeper) => {
    expect(JSON.parse(json)).toBeDefined();
    expect(nestsDeeperThan(json, limit)).toBe(deeper);
  });
});
