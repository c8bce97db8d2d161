import { z } from 'zod';
import { describeIssues, detailChars, jsonLimits, parseJsonBody } from '../../../src/vendors/body';
import { easemobIntake } from '../../../src/vendors/easemob/intake';
import { parseTencentBody } from '../../../src/vendors/tencent/intake';
import { parseTencentQuery } from '../../../src/vendors/tencent/query';

const parse = (text: string | Buffer, limits?: typeof jsonLimits) => parseJsonBody(typeof text === 'string' ? Buffer.from(text) : text, limits);

describe('vendor body parsing', () => {
  test.each([
    ['an empty body', '', 'empty_body', /./],
    ['bytes that are not UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), 'invalid_encoding', /./],
    ['truncated JSON', '{"a":', 'malformed_json', /^body is not valid JSON: /],
    ['a byte-order mark (kept: data is the bytes as received)', '\ufeff{"a":1}', 'malformed_json', /^body is not valid JSON: /],
  ])('When the body is %s, then it is refused with its reason', (_what, body, reason, detail) => {
    expect(parse(body)).toEqual({ ok: false, reason, detail: expect.stringMatching(detail) });
  });

  test('When limits are given, then a body beyond them is refused before parsing; without them it is parsed', () => {
    const deep = `{"x":${'['.repeat(65)}${']'.repeat(65)}}`;

    expect(parse(deep, jsonLimits)).toEqual({ ok: false, reason: 'invalid_payload', detail: 'body: JSON nests deeper than 64 levels' });
    expect(parse(deep)).toMatchObject({ ok: true, text: deep });
  });

  test('When a schema reports many long issues, then the detail keeps three, each cut to the same length, and counts the rest', () => {
    const long = 'x'.repeat(1000);
    const result = z.object({ a: z.string(), b: z.string(), c: z.string(), d: z.string() }).safeParse({ a: 1, b: 2, c: 3, d: 4 });
    const error = new z.ZodError(result.error!.issues.map((issue) => ({ ...issue, message: long })));

    const detail = describeIssues(error);

    expect(detail.split('; ')).toHaveLength(3);
    for (const line of detail.replace(/ \(\+1 more\)$/, '').split('; ')) expect(line).toHaveLength(detailChars);
    expect(detail).toMatch(/ \(\+1 more\)$/);
  });

  test('When a Tencent or Easemob body starts with a byte-order mark, then it is quarantined as malformed JSON, as NetEase does', () => {
    const query = parseTencentQuery(new URLSearchParams({ SdkAppid: '1400000001', CallbackCommand: 'State.StateChange', contenttype: 'json' }));

    expect(parseTencentBody(Buffer.from('\ufeff{"CallbackCommand":"State.StateChange"}'), query)).toMatchObject({ ok: false, reason: 'malformed_json' });
    expect(easemobIntake(Buffer.from('\ufeff{"callId":"a"}'), 0)).toMatchObject({ kind: 'invalid', reason: 'malformed_json' });
  });
});
