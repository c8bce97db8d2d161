import type { Logger } from 'pino';
import type { Event } from '../events/event';
import { PermanentSinkError } from '../sinks/sink';
import { PipelineUnavailable } from './accept';
import { createCircuitBreaker, type CircuitBreaker } from './circuit-breaker';
import type { DeliveryObserver } from './delivery-observer';
import { payloadEvent, type Lane } from './dispatcher';
import { attemptWrite } from './write';

type DirectLane = Lane & { readonly accepts: (event: Event) => boolean };

interface Waiting {
  readonly event: Event;
  readonly bytes: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * `direct` ack mode: before the reply, the event is written to every required sink that wants it.
 * The reply is `OK` only if all of them took it; otherwise it rejects with `PipelineUnavailable` (503)
 * and nothing is kept, so a resend is a fresh attempt, not a duplicate.
 *
 * Requests that arrive together share one write per sink, the way the spool shares one commit: while a
 * sink's write is in flight (up to `concurrency` of them), new events queue, and the next write takes
 * all that queued (up to `batchSize` and `maxBatchBytes`). Each request learns its own event's outcome
 * (per-event results). Writes run under the sink's timeout, raced with the abort signal, and a sink's
 * open circuit breaker answers at once instead of hammering a dead target.
 */
export function createDirectDelivery(deps: {
  readonly lanes: readonly DirectLane[];
  readonly metrics: DeliveryObserver;
  readonly logger: Logger;
  readonly clock?: () => number;
}) {
  const clock = deps.clock ?? Date.now;
  const required = deps.lanes.filter((lane) => lane.required).map((lane) => createDirectLane(lane, deps.metrics, deps.logger, clock));

  return async function deliverNow(event: Event): Promise<void> {
    const wanted = required.filter((lane) => lane.settings.accepts(event));
    const results = await Promise.allSettled(wanted.map((lane) => lane.submit(event)));
    const failures = wanted.flatMap((lane, i) => {
      const result = results[i];
      return result?.status === 'rejected' ? [{ sink: lane.settings.sink.name, reason: errorText(result.reason) }] : [];
    });
    if (failures.length === 0) return;
    deps.logger.warn({ eventId: event.attributes.id, failures }, 'direct delivery failed');
    // Sink errors can name internal hosts: the caller learns which sink, the log holds the cause.
    throw new PipelineUnavailable('sink', `required sink ${failures.map((failure) => failure.sink).join(', ')} did not take the event; retry later`);
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Enough for `maxBatchBytes`: the body plus a bound for the attributes (no serialisation per request). */
const attributeBytes = 2048;

function createDirectLane(settings: DirectLane, metrics: DeliveryObserver, logger: Logger, clock: () => number) {
  const queue: Waiting[] = [];
  const circuit: CircuitBreaker = createCircuitBreaker(settings.circuitBreaker, clock);
  let inFlight = 0;

  function take(): Waiting[] {
    const batch: Waiting[] = [];
    let bytes = 0;
    while (queue.length > 0 && batch.length < settings.batchSize) {
      const next = queue[0] as Waiting;
      if (batch.length > 0 && bytes + next.bytes > settings.maxBatchBytes) break;
      batch.push(queue.shift() as Waiting);
      bytes += next.bytes;
    }
    return batch;
  }

  async function write(batch: Waiting[]): Promise<void> {
    const { failures, timedOut, seconds } = await attemptWrite(settings.sink, batch.map((item) => item.event), settings.timeoutMs);
    const delivered = batch.length - failures.size;
    const change = circuit.record(delivered > 0 || [...failures.values()].every((error) => error instanceof PermanentSinkError));
    if (change === 'opened') logger.warn({ sink: settings.sink.name, openMs: settings.circuitBreaker.openMs }, 'circuit opened');
    if (change === 'closed') logger.info({ sink: settings.sink.name }, 'circuit closed');
    if (delivered > 0) metrics.sinkDelivered(settings.sink.name, 'ok', delivered, seconds);
    if (failures.size > 0) metrics.sinkDelivered(settings.sink.name, timedOut ? 'timeout' : 'error', failures.size, seconds);
    batch.forEach((item, index) => (failures.has(index) ? item.reject(failures.get(index)) : item.resolve()));
  }

  function pump(): void {
    while (inFlight < settings.concurrency && queue.length > 0) {
      if (circuit.waitMs() > 0) {
        for (const item of queue.splice(0)) item.reject(new Error('circuit open'));
        return;
      }
      // A half-open circuit lets one write through as the probe.
      const batch = circuit.probing ? (inFlight === 0 ? take() : []) : take();
      if (batch.length === 0) return;
      inFlight += 1;
      void write(batch).finally(() => {
        inFlight -= 1;
        pump();
      });
    }
  }

  return {
    settings,
    submit(event: Event): Promise<void> {
      const sent = payloadEvent(settings.payload, event);
      if (!sent) return Promise.reject(new PermanentSinkError('the event carries no neutral message (payload: message)'));
      return new Promise<void>((resolve, reject) => {
        queue.push({ event: sent, bytes: Buffer.byteLength(sent.data) + attributeBytes, resolve, reject });
        pump();
      });
    },
  };
}
