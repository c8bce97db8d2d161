/**
 * Reading what a history API answers without trusting its size: a JSON answer read up to a limit,
 * and an unpacked file split into lines with a limit on the whole and on each line. Memory holds at
 * most one line (or one answer) at a time.
 */

/** The answer's JSON, or `{}` when it is not JSON or longer than `maxBytes` (then the rest is not read). */
export async function boundedJson(response: Response, maxBytes: number): Promise<Record<string, unknown>> {
  const reader = response.body?.getReader();
  if (reader === undefined) return {};
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    size += next.value.length;
    if (size > maxBytes) {
      await reader.cancel();
      return {};
    }
    chunks.push(next.value);
  }
  try {
    const json: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** A limit of `lines` was passed: `total` (the whole) or `line` (one line). */
export class LineLimitError extends Error {
  constructor(readonly limit: 'total' | 'line', message: string) {
    super(message);
  }
}

/** Splits a byte stream into UTF-8 lines (numbered from 1), keeping at most one line in memory. */
export async function* lines(stream: AsyncIterable<Buffer>, limits: { maxBytes: number; maxLine: number }): AsyncGenerator<{ line: string; n: number }> {
  let total = 0;
  let n = 0;
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of stream) {
    total += chunk.length;
    if (total > limits.maxBytes) throw new LineLimitError('total', `larger than ${limits.maxBytes} bytes`);
    // Split on the byte 0x0A, never inside a multi-byte character.
    const buffer: Buffer = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    for (let end = buffer.indexOf(10, start); end !== -1; end = buffer.indexOf(10, start)) {
      n += 1;
      yield { line: buffer.subarray(start, end).toString('utf8'), n };
      start = end + 1;
    }
    rest = buffer.subarray(start);
    if (rest.length > limits.maxLine) throw new LineLimitError('line', `line ${n + 1} is longer than ${limits.maxLine} bytes`);
  }
  if (rest.length > 0) yield { line: rest.toString('utf8'), n: n + 1 };
}
