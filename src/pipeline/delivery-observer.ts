/** How a write to a sink ended, for the events it carried. */
export type DeliveryOutcome = 'ok' | 'error' | 'timeout';

/**
 * What the pipeline reports about deliveries, and all it needs from whoever watches them (the
 * metrics module satisfies it). Owned here so the pipeline does not depend on the metrics.
 */
export interface DeliveryObserver {
  /** `events` of one write to `sink` ended with `outcome` after `seconds`. */
  sinkDelivered(sink: string, outcome: DeliveryOutcome, events: number, seconds: number): void;
}
