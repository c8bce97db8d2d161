import { z } from 'zod';
import type { Event } from '../events/event';
import { routeFilterSchema } from '../pipeline/routing';

/** A destination for events. Implementations must tolerate being called again with the same events. */
export interface Sink {
  /** Stable, low-cardinality id used in logs, in the spool and as the `sink` metric label. */
  readonly name: string;
  /**
   * Resolves once every event in the batch is durably handed off; rejects on failure (the whole batch
   * is then retried). Must honour `signal`. The same events may arrive again (retry, or redelivery
   * after a crash); `attributes.id` is stable, so the target can de-duplicate.
   */
  write(batch: readonly Event[], signal: AbortSignal): Promise<void>;
  /** Flushes and releases resources. Called once at shutdown; must be idempotent. */
  close(): Promise<void>;
}

/** What every sink factory may use besides its own settings. */
export interface SinkDeps {
  readonly dataDir: string;
}

/** Settings every sink accepts: how the dispatcher delivers to it. */
export const deliverySettings = {
  name: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,31}$/, 'expected lower-case letters, digits, "_" or "-", starting with a letter')
    .optional()
    .describe('Unique sink name (metric label, spool key); defaults to the type'),
  batchSize: z.number().int().min(1).max(10_000).default(100).describe('Most events handed to one write'),
  timeoutMs: z.number().int().min(1).default(10_000).describe('A write that takes longer is aborted and retried'),
  retryInitialMs: z.number().int().min(1).default(500).describe('First retry delay (exponential, full jitter)'),
  retryMaxMs: z.number().int().min(1).default(60_000).describe('Longest retry delay'),
  maxAttempts: z.number().int().min(0).default(0).describe('Dead-letter an event after this many failed writes; 0 = no limit'),
  maxAgeMs: z.number().int().min(0).default(86_400_000).describe('Dead-letter an event still undelivered this long after receipt; 0 = no limit'),
  maxBatchBytes: z.number().int().min(1024).default(1024 * 1024).describe('Most serialized bytes in one write (a single larger event still goes alone)'),
  lingerMs: z.number().int().min(0).default(0).describe('Wait up to this long for a batch to fill before writing'),
  concurrency: z.number().int().min(1).max(64).default(1).describe('Batches written at once (1 keeps order)'),
  filter: routeFilterSchema.optional().describe('Only events matching every given criterion go to this sink (see Routing)'),
  required: z.boolean().default(true).describe('An open circuit on a required sink shows in /readyz; in direct mode the reply waits for it'),
  circuitBreaker: z
    .strictObject({
      failureThreshold: z.number().int().min(0).default(5).describe('Consecutive failed writes that open the circuit; 0 = never'),
      openMs: z.number().int().min(100).default(30_000).describe('How long the circuit stays open before one probe write'),
    })
    .prefault({})
    .describe('Stops hammering a dead sink: after the threshold, pause, then probe with one event'),
};

export type DeliverySettings = z.output<z.ZodObject<typeof deliverySettings>>;

/** A failure that retrying cannot fix (e.g. HTTP 400): the events go to dead letters at once. */
export class PermanentSinkError extends Error {
  override readonly name = 'PermanentSinkError';
}

/** A failure the target asked us to retry after a delay (e.g. HTTP 429 with Retry-After). */
export class RetryLaterError extends Error {
  override readonly name = 'RetryLaterError';
  constructor(message: string, readonly retryAfterMs: number) {
    super(message);
  }
}

/** Rejects with the signal's reason if it is already aborted. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
}
