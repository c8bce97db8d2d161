import type { Logger } from 'pino';
import { type Config } from '../config';
import type { Metrics } from '../metrics';
import { createDispatcher } from '../pipeline/dispatcher';
import { createIngestGuard } from '../pipeline/ingest-guard';
import { createSpoolPressure } from '../pipeline/pressure';
import { sinkAccepts } from '../pipeline/routing';
import type { Spool } from '../pipeline/spool';
import { createSinkHealth } from '../sinks/health';
import { buildSinks } from '../sinks/registry';
import type { Sink } from '../sinks/sink';
import type { AckMode } from './ack-mode';
import type { Stops } from './stops';

interface PipelineDeps {
  readonly spool: Spool;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly clock: () => number;
  readonly stops: Stops;
  /** How often an idle lane looks for due events and the spool bounds are re-read (ms); 1000 by default. */
  readonly pollMs?: number;
}

/**
 * Sinks (with their health checks), the dispatcher's lanes and the spool's bounds, each with its stop
 * step. The first health checks are started, not awaited: `firstChecks` settles when they are done.
 */
export async function startPipeline(config: Config, mode: AckMode, deps: PipelineDeps) {
  const sinks = await buildSinks(config.sinks, { dataDir: config.dataDir, clock: deps.clock, relayKeys: config.relayKeys, logger: deps.logger });
  return pipelineOver(sinks, config, mode, deps);
}

/**
 * The pipeline over sinks already built, one per `config.sinks` entry and in its order (the test app
 * brings its own MemorySink this way); it closes them in its stop step.
 */
export function pipelineOver(sinks: readonly Sink[], config: Config, mode: AckMode, deps: PipelineDeps) {
  const { spool, metrics, logger, clock, stops } = deps;
  stops.add('sinks', async () => void (await Promise.allSettled(sinks.map((sink) => sink.close()))));
  // Unreachable sinks are named at start and in /readyz; a failed check never prevents the start.
  const health = createSinkHealth({ sinks, logger, clock });
  const firstChecks = health.start();
  stops.add('sink health', () => health.stop());
  metrics.watchSinkHealth(health.unreachable);
  metrics.watchRelayJournals(() => sinks.flatMap((sink) => (sink.journalBytes ? [{ sink: sink.name, bytes: sink.journalBytes() }] : [])));
  const lanes = config.sinks.map((settings, i) => ({ ...settings, sink: health.observe(sinks[i] as Sink), accepts: sinkAccepts(settings) }));
  const delivering = lanes.filter((lane) => !mode.direct || !lane.required);
  // Callbacks' spool commits are observed by the acceptor (wired in callback-server.ts); background work
  // rests longer while they are slowed.
  const guard = createIngestGuard();
  metrics.watchYieldFactor(guard.factor);
  const dispatcher = createDispatcher({ spool, lanes: delivering, metrics, logger, clock, paused: heldBack(spool, delivering.map((lane) => lane.sink.name), logger), idleMs: deps.pollMs, yieldFactor: guard.factor });
  dispatcher.start();
  stops.add('dispatcher', () => dispatcher.stop());
  metrics.watchCircuits(() => dispatcher.openCircuits());
  const pressure = startPressure(config, mode, deps);
  return { sinks, health, lanes, dispatcher, pressure, firstChecks, guard };
}

/** Sinks an operator paused before this start: they stay paused, each named in the log. */
function heldBack(spool: Spool, delivering: readonly string[], logger: Logger): string[] {
  const paused = spool.pausedSinks().filter((entry) => delivering.includes(entry.sink));
  for (const { sink, at, actor } of paused) {
    logger.warn({ sink, pausedAt: new Date(at).toISOString(), pausedBy: actor }, 'sink paused by an operator: nothing is delivered to it until it is resumed (imgw sink resume --sink S)');
  }
  return paused.map((entry) => entry.sink);
}

function startPressure(config: Config, mode: AckMode, { spool, metrics, logger, clock, stops, pollMs }: PipelineDeps) {
  const pressure = createSpoolPressure({
    spool,
    limits: mode.limits,
    clock,
    intervalMs: pollMs,
    onRelief: (relief) => {
      metrics.spoolRelieved(relief);
      const historySeconds = relief.historyFrom === undefined ? 0 : Math.round((clock() - relief.historyFrom) / 1000);
      logger.warn(
        { removed: relief.removed, historySeconds, exhausted: relief.exhausted, maxBytes: config.spoolLimits.maxBytes },
        relief.exhausted
          ? 'spool near SPOOL_MAX_BYTES with no delivered history left to prune: the rest is undelivered'
          : 'spool near SPOOL_MAX_BYTES: pruned delivered events early; de-duplication and replay now reach back historySeconds',
      );
    },
  });
  stops.add('spool bounds', () => pressure.stop());
  metrics.watchSpool(pressure, clock);
  for (const orphan of pressure.snapshot().orphans) {
    logger.warn(
      { sink: orphan.sink, pending: orphan.pending },
      'events are pending for a sink that is no longer configured: they are not delivered and not counted toward the bounds (imgw pending drop|move)',
    );
  }
  return pressure;
}

export type Pipeline = ReturnType<typeof pipelineOver>;
