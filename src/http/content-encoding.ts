import { gunzipSync, inflateSync } from 'node:zlib';
import type { StoredHead } from '../events/intake';

type Decode = (input: Buffer, options: { maxOutputLength: number }) => Buffer;

/**
 * The content codings the gateway decodes (RFC 9110 §8.4.1; `x-gzip` is gzip's old name, §8.4.1.3).
 * Inflating costs about the same per output byte whatever the input, so the output cap bounds the work.
 * Brotli does not: its decoder fills a ring buffer of the sender's window (up to 16 MiB) before the
 * first output byte, so a br body of a few hundred bytes costs ~50 ms and +16 MiB below any output cap.
 */
const decoders = new Map<string, Decode>([
  ['gzip', gunzipSync],
  ['x-gzip', gunzipSync],
  ['deflate', inflateSync],
]);

/** What a refusal names as accepted (the `Accept-Encoding` of a 415, RFC 9110 §15.5.16). */
export const acceptedEncodings = 'gzip, deflate';

/** A body's coding, decided from the header alone (before a byte of the body is read). */
export type CodingPlan = { readonly ok: true; readonly coding: string | undefined } | { readonly ok: false; readonly detail: string };

/**
 * Reads `Content-Encoding`: nothing, `identity`, or exactly one of gzip, x-gzip, deflate (names are
 * case-insensitive; `identity` entries mean no coding). Anything else is refused: an unknown coding, or
 * more than one. No vendor compresses its callbacks, and a proxy that does applies one coding; each
 * further layer would be a full decode of up to the body limit more, paid before any authentication.
 */
export function planDecoding(header: string | undefined): CodingPlan {
  if (header === undefined) return { ok: true, coding: undefined };
  const codings = header
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  const shown = JSON.stringify(header.slice(0, 64));
  if (codings.length > 1) return { ok: false, detail: `Content-Encoding ${shown} lists ${codings.length} codings; at most one of ${acceptedEncodings} is accepted` };
  const coding = codings[0];
  if (coding !== undefined && !decoders.has(coding)) return { ok: false, detail: `Content-Encoding ${shown} is not supported; accepted: ${acceptedEncodings} or none` };
  return { ok: true, coding };
}

/**
 * Undoes the one coding `planDecoding` accepted, stopping as soon as the output passes `limit` bytes
 * (a decompression bomb costs one decode of `limit` bytes at most). Corrupt or over-limit input is
 * `ok: false`: the caller decides what an undecodable body means (quarantine, if it is authenticated).
 */
export function decodeBody(wire: Buffer, coding: string | undefined, limit: number): { ok: true; body: Buffer } | { ok: false; detail: string } {
  const decode = coding === undefined ? undefined : decoders.get(coding);
  if (decode === undefined) return { ok: true, body: wire };
  try {
    return { ok: true, body: decode(wire, { maxOutputLength: limit }) };
  } catch (error) {
    return { ok: false, detail: `body could not be decoded as ${coding}: ${(error as Error).message.slice(0, 120)}` };
  }
}

/**
 * The head kept with a body that could not be decoded (it is kept as it came on the wire): the coding
 * goes with it, under `content-encoding`, so a later redrive can decode the body (`decodeStored`).
 */
export function withCoding(head: StoredHead, coding: string): StoredHead {
  return { ...head, headers: { ...head.headers, 'content-encoding': coding } };
}

/**
 * A quarantined body as its vendor should read it: decoded when its head names a coding (with today's
 * `limit`, so raising MAX_BODY_BYTES lets a body that was too large once decoded through), else as kept.
 */
export function decodeStored(head: StoredHead, body: Buffer, limit: number): ReturnType<typeof decodeBody> {
  return decodeBody(body, head.headers?.['content-encoding'], limit);
}
