import { REDACTED, redactHead } from '../../../../src/admin/console/redact';

describe('redactHead', () => {
  test('When a quarantined head carries a Tencent Sign and a NetEase CheckSum, then their values are replaced and the rest kept', () => {
    const detail = { qid: 1, head: { query: 'SdkAppid=1400&CallbackCommand=C2C.CallbackAfterSendMsg&Sign=abc&RequestTime=1', headers: { checksum: 'f00', curtime: '1', 'content-type': 'application/json', authorization: 'Bearer x' } } };

    const out = redactHead(detail) as typeof detail;

    const query = new URLSearchParams(out.head.query);
    expect(query.get('Sign')).toBe(REDACTED);
    expect(query.get('SdkAppid')).toBe('1400');
    expect(out.head.headers).toEqual({ checksum: REDACTED, curtime: '1', 'content-type': 'application/json', authorization: REDACTED });
    expect(out.qid).toBe(1);
  });

  test('When an answer has no head, then it is returned unchanged', () => {
    const page = { items: [{ head: 'not an object' }] };

    expect(redactHead(page)).toBe(page);
    expect(redactHead(null)).toBeNull();
  });
});
