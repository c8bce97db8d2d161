import { z } from 'zod';
import type { Event } from '../events/event';
import { defineSink } from './definition';
import { BatchError, commonDelivery, deliverySettings, type Sink } from './sink';

/** A stand-in for any target: the common defaults, so what it shows holds for the others. */
const memoryDelivery = commonDelivery;

export const memorySinkConfig = z.strictObject({ type: z.literal('memory'), ...deliverySettings(memoryDelivery) });

/**
 * Keeps every delivered event in memory, in order. For tests and local experiments; it is a real
 * sink (it goes through the spool and the dispatcher like any other).
 */
export class MemorySink implements Sink {
  readonly events: Event[] = [];
  closed = false;
  private failures: Error[] = [];
  private waiters: { count: number; resolve: () => void }[] = [];
  private refusal: ((event: Event) => Error | undefined) | undefined;

  constructor(readonly name = 'memory') {}

  async write(batch: readonly Event[]): Promise<void> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    const refused = new Map<number, Error>();
    batch.forEach((event, index) => {
      const error = this.refusal?.(event);
      if (error) refused.set(index, error);
      else this.events.push(event);
    });
    this.waiters = this.waiters.filter((w) => (this.events.length >= w.count ? (w.resolve(), false) : true));
    if (refused.size > 0) throw new BatchError(refused);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** The next `count` writes reject with `error`. */
  failNext(count: number, error = new Error('memory sink: planned failure')): void {
    for (let i = 0; i < count; i++) this.failures.push(error);
  }

  /**
   * From now on, an event for which `refuse` returns an error is not stored and is reported failed
   * with it (a `BatchError`); the rest of its batch is stored. `undefined` stops refusing.
   */
  refuseWhen(refuse: ((event: Event) => Error | undefined) | undefined): void {
    this.refusal = refuse;
  }

  /** Cancels the planned failures that have not happened yet. */
  clearFailures(): void {
    this.failures = [];
  }

  /** Resolves once at least `count` events have been delivered. */
  waitFor(count: number): Promise<void> {
    if (this.events.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  ids(): string[] {
    return this.events.map((event) => event.attributes.id);
  }
}

export async function createMemorySink(config: z.output<typeof memorySinkConfig>): Promise<MemorySink> {
  return new MemorySink(config.name ?? 'memory');
}

export const memorySink = defineSink({ config: memorySinkConfig, delivery: memoryDelivery, create: (config) => createMemorySink(config) });
