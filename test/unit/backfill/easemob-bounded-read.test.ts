import { boundedJson, LineLimitError, lines } from '../../../src/backfill/easemob/bounded-read';

async function* chunks(...parts: Buffer[]): AsyncGenerator<Buffer> {
  for (const part of parts) yield await Promise.resolve(part);
}
const all = async (stream: AsyncIterable<{ line: string; n: number }>) => {
  const out: string[] = [];
  for await (const { line, n } of stream) out.push(`${n}:${line}`);
  return out;
};

describe('bounded reading of history answers', () => {
  test('When an answer is within the limit, then its JSON is read; beyond it, or not JSON, then nothing is', async () => {
    expect(await boundedJson(new Response('{"data":[{"url":"https://x"}]}'), 64)).toEqual({ data: [{ url: 'https://x' }] });
    expect(await boundedJson(new Response(`{"error":"${'x'.repeat(100)}"}`), 64)).toEqual({});
    expect(await boundedJson(new Response('<html>'), 64)).toEqual({});
    expect(await boundedJson(new Response('[1]'), 64)).toEqual({});
  });

  test('When a character or a line is split across chunks, then the lines come out whole and numbered', async () => {
    const text = Buffer.from('{"msg":"明天见"}\n\n{"b":2}');
    expect(await all(lines(chunks(text.subarray(0, 10), text.subarray(10, 11), text.subarray(11)), { maxBytes: 1000, maxLine: 100 }))).toEqual(['1:{"msg":"明天见"}', '2:', '3:{"b":2}']);
  });

  test('When the whole or one line passes its limit, then reading stops with which limit', async () => {
    await expect(all(lines(chunks(Buffer.from('a\n'.repeat(10))), { maxBytes: 15, maxLine: 100 }))).rejects.toMatchObject({ limit: 'total' });
    const long = all(lines(chunks(Buffer.from('x'.repeat(60)), Buffer.from('x'.repeat(60))), { maxBytes: 1000, maxLine: 100 }));
    await expect(long).rejects.toBeInstanceOf(LineLimitError);
    await expect(long).rejects.toMatchObject({ limit: 'line', message: 'line 1 is longer than 100 bytes' });
  });
});
