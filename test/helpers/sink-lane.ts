import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { Event } from '../../src/events/event';
import { createMetrics } from '../../src/metrics';
import { createDispatcher, type Lane } from '../../src/pipeline/dispatcher';
import { openSpool } from '../../src/pipeline/spool';
import { deliverySettingsSchema, type DeliverySettings, type Sink } from '../../src/sinks/sink';
import { TEST_NOW_MS } from './tencent';
import { holdsWithin } from './wait';

export interface LaneResult {
  /** Ids of the events the lane moved to dead letters, with the recorded error. */
  readonly deadLetters: { id: string; error: string }[];
  /** Events still pending for the sink when the lane was stopped (0: nothing held it up). */
  readonly pending: number;
}

/**
 * Runs the real dispatcher over a real spool with one lane for `sink`: appends `events` in order and
 * waits until nothing is pending for the sink any more (every event delivered or dead-lettered), or
 * until `timeoutMs` passes, which means something stalled the lane. The dispatcher runs on an injected
 * clock that the wait moves a second at a time, so retries come due without waiting for them.
 */
export async function runLane(sink: Sink, events: readonly Event[], settings: Partial<DeliverySettings> = {}, timeoutMs = 20_000): Promise<LaneResult> {
  const dir = mkdtempSync(join(tmpdir(), 'imgw-lane-'));
  const spool = openSpool({ path: join(dir, 'spool.db'), sinks: [sink.name] });
  const lane: Lane = { ...deliverySettingsSchema.parse({ batchSize: 100, timeoutMs: 5000, retryInitialMs: 20, retryMaxMs: 200, ...settings }), sink };
  const clock = { now: TEST_NOW_MS };
  const dispatcher = createDispatcher({ spool, lanes: [lane], metrics: createMetrics(new Registry(), [sink.name]), logger: pino({ level: 'silent' }), clock: () => clock.now, idleMs: 20 });
  try {
    for (const event of events) await spool.append(event, clock.now);
    dispatcher.start();
    const pending = () => spool.backlog().reduce((sum, b) => sum + b.pending, 0);
    await holdsWithin(() => pending() === 0, { timeoutMs, step: () => (clock.now += 1000) });
    await dispatcher.stop();
    const rows = spool.admin.deadLetters({}, 10_000) as { id: string; lastError: string }[];
    return { deadLetters: rows.map((row) => ({ id: row.id, error: row.lastError })), pending: pending() };
  } finally {
    await dispatcher.stop();
    spool.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
