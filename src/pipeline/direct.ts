import type { Logger } from 'pino';
import type { Event } from '../events/event';
import type { Metrics } from '../metrics';
import { PipelineUnavailable } from './accept';
import type { Lane } from './dispatcher';

/**
 * `direct` ack mode: before the reply, the event is written to every required sink that wants it.
 * The reply is `OK` only if all of them took it; otherwise it rejects with `PipelineUnavailable` (503) and nothing is kept,
 * so a resend is a fresh attempt, not a duplicate.
 */
export function createDirectDelivery(deps: {
  readonly lanes: readonly (Lane & { readonly accepts: (event: Event) => boolean })[];
  readonly metrics: Metrics;
  readonly logger: Logger;
}) {
  const required = deps.lanes.filter((lane) => lane.required);
  return async function deliverNow(event: Event): Promise<void> {
    const results = await Promise.allSettled(
      required
        .filter((lane) => lane.accepts(event))
        .map(async (lane) => {
          const started = performance.now();
          const signal = AbortSignal.timeout(lane.timeoutMs);
          try {
            await lane.sink.write([event], signal);
            deps.metrics.sinkDelivered(lane.sink.name, 'ok', 1, (performance.now() - started) / 1000);
          } catch (error) {
            deps.metrics.sinkDelivered(lane.sink.name, signal.aborted ? 'timeout' : 'error', 1, (performance.now() - started) / 1000);
            throw new Error(`${lane.sink.name}: ${error instanceof Error ? error.message : String(error)}`);
          }
        }),
    );
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => (r.reason as Error).message);
    if (failures.length > 0) {
      deps.logger.warn({ eventId: event.attributes.id, failures }, 'direct delivery failed');
      throw new PipelineUnavailable('sink', `a required sink did not take the event (${failures.join('; ')}); retry later`);
    }
  };
}
