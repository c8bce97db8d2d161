import { deflateSync, gzipSync } from 'node:zlib';
import { decodeBody, decodeStored, planDecoding, withCoding } from '../../../src/http/content-encoding';

const MiB = 1024 * 1024;

describe('planDecoding', () => {
  test.each([
    [undefined, undefined],
    ['', undefined],
    ['identity', undefined],
    ['gzip', 'gzip'],
    ['X-GZIP', 'x-gzip'],
    ['deflate', 'deflate'],
    [' Deflate ', 'deflate'],
    ['identity, gzip, identity', 'gzip'],
  ])('When Content-Encoding is %j, then the body is decoded with %j', (header, coding) => {
    expect(planDecoding(header)).toEqual({ ok: true, coding });
  });

  test.each([
    ['gzip, gzip', /lists 2 codings; at most one of gzip, deflate is accepted/],
    ['br', /"br" is not supported/],
    ['deflate, br', /lists 2 codings/],
    [Array(5_000).fill('br').join(','), /lists 5000 codings/],
    ['compress', /"compress" is not supported; accepted: gzip, deflate or none/],
    ['zstd', /is not supported/],
    ['constructor', /is not supported/],
    ['__proto__', /is not supported/],
    ['toString', /is not supported/],
  ])('When Content-Encoding is %s, then it is refused from the header alone: %s', (header, detail) => {
    const plan = planDecoding(header);

    expect(plan.ok).toBe(false);
    expect(plan.ok ? '' : plan.detail).toMatch(detail);
  });
});

describe('decodeBody', () => {
  const text = Buffer.from('{"hello":"world"}');

  test.each([
    ['gzip', gzipSync(text)],
    ['x-gzip', gzipSync(text)],
    ['deflate', deflateSync(text)],
    [undefined, text],
  ])('When the body is in %s, then it is decoded', (coding, wire) => {
    expect(decodeBody(wire, coding, MiB)).toEqual({ ok: true, body: text });
  });

  test.each([
    ['gzip', gzipSync(Buffer.alloc(64 * MiB))],
    ['deflate', deflateSync(Buffer.alloc(64 * MiB))],
  ])('When a %s body expands past the limit (a bomb), then decoding stops there and says so', (coding, wire) => {
    const decoded = decodeBody(wire, coding, MiB);

    expect(decoded.ok).toBe(false);
    expect(decoded.ok ? '' : decoded.detail).toMatch(new RegExp(`^body could not be decoded as ${coding}: `));
  });

  test('When a gzip body is corrupt, then it is not decoded and the reason is given', () => {
    const decoded = decodeBody(Buffer.from('not gzip at all'), 'gzip', MiB);

    expect(decoded).toEqual({ ok: false, detail: expect.stringMatching(/^body could not be decoded as gzip: /) });
  });
});

describe('decodeStored', () => {
  test('When a body kept undecoded is read again, then its coding from the stored head decodes it within the limit given now', () => {
    const text = JSON.stringify({ Text: 'x'.repeat(4000) });
    const head = withCoding({ query: 'SdkAppid=1' }, 'gzip');
    const wire = gzipSync(text);

    const then = decodeStored(head, wire, 1024);
    const now = decodeStored(head, wire, 1024 * 1024);
    const plain = decodeStored({ query: 'SdkAppid=1' }, Buffer.from(text), 1024);

    expect(head).toEqual({ query: 'SdkAppid=1', headers: { 'content-encoding': 'gzip' } });
    expect(then.ok).toBe(false);
    expect(now).toEqual({ ok: true, body: Buffer.from(text) });
    expect(plain).toEqual({ ok: true, body: Buffer.from(text) });
  });
});
