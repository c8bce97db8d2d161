import { z } from 'zod';
import type { Writable } from 'node:stream';
import { eventToJson, type Event } from '../events/event';
import { defineSink } from './definition';
import { deliverySettings, type DeliveryDefaults, type Sink } from './sink';

/** One stream, one write at a time (lines must not interleave): the common sizes. */
const stdoutDelivery: DeliveryDefaults = { batchSize: 1000, maxBatchBytes: 1024 * 1024, lingerMs: 0, concurrency: 1, timeoutMs: 10_000 };

export const stdoutSinkConfig = z.strictObject({ type: z.literal('stdout'), ...deliverySettings(stdoutDelivery) });

/** Writes one CloudEvent JSON document per line to standard output (logs then go to stderr). */
export async function createStdoutSink(
  config: z.output<typeof stdoutSinkConfig>,
  out: Writable = process.stdout,
): Promise<Sink> {
  // A closed pipe (EPIPE) must fail the write, not crash the process through an unhandled 'error'.
  out.on('error', () => {});
  return {
    name: config.name ?? 'stdout',
    async write(batch, signal) {
      const lines = jsonLines(batch);
      const written = new Promise<void>((resolve, reject) => out.write(lines, (error) => (error ? reject(error) : resolve())));
      const aborted = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
      await Promise.race([written, aborted]);
    },
    async close() {},
  };
}

export const stdoutSink = defineSink({ config: stdoutSinkConfig, delivery: stdoutDelivery, create: (config) => createStdoutSink(config) });

/**
 * Valid JSON has no raw line breaks inside strings, so any CR/LF in a body is insignificant
 * whitespace and can become a space: one event per line, same meaning.
 */
export function oneLine(json: string): string {
  return json.replace(/[\r\n]+/g, ' ');
}

/**
 * A batch as JSON Lines, UTF-8: each event's CloudEvent on one line (`oneLine`), each line ended by a
 * newline. Written straight into one buffer, without first joining the lines into one string as long
 * as the batch.
 */
export function jsonLines(batch: readonly Event[]): Buffer {
  const lines = batch.map((event) => oneLine(eventToJson(event)));
  let bytes = 0;
  for (const line of lines) bytes += Buffer.byteLength(line) + 1;
  const out = Buffer.allocUnsafe(bytes);
  let at = 0;
  for (const line of lines) {
    at += out.write(line, at);
    out[at++] = 0x0a;
  }
  return out;
}
