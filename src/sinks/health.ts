import { BatchError, type Sink } from './sink';

/** The logger calls the health watch makes (pino's shape). */
export interface HealthLogger {
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
}

export interface SinkHealthOptions {
  readonly sinks: readonly Sink[];
  readonly logger: HealthLogger;
  /** The service's clock: re-checks are due by it. */
  readonly clock: () => number;
  /** Longest one check may take (wall time), in ms. */
  readonly timeoutMs?: number;
  /** Time between checks of a sink found unreachable, in ms of `clock`. */
  readonly recheckMs?: number;
  /** How often (wall time) due re-checks are looked for, in ms. */
  readonly tickMs?: number;
}

export const sinkCheckDefaults = { timeoutMs: 3000, recheckMs: 30_000, tickMs: 500 } as const;

/**
 * Which sinks cannot be reached. Every sink with a `check` is checked once at `start`, all at once,
 * each bounded by `timeoutMs` (so the service waits at most that long for them; an unreachable sink
 * never stops it). A sink that fails is logged once with the check's message (its address and the cause),
 * reported by `problem`, and checked again every `recheckMs` of the service's clock until a check, or
 * a delivery through `observe`, succeeds.
 */
export function createSinkHealth(options: SinkHealthOptions) {
  const { logger, clock } = options;
  const timeoutMs = options.timeoutMs ?? sinkCheckDefaults.timeoutMs;
  const recheckMs = options.recheckMs ?? sinkCheckDefaults.recheckMs;
  const checked = options.sinks.filter((sink) => sink.check !== undefined);
  const states = new Map(checked.map((sink) => [sink.name, { problem: undefined as string | undefined, dueAt: 0, running: undefined as Promise<void> | undefined }]));
  const stopping = new AbortController();
  let timer: NodeJS.Timeout | undefined;

  function reachable(name: string, how: string): void {
    const state = states.get(name);
    if (state?.problem === undefined) return;
    state.problem = undefined;
    logger.info({ sink: name }, `sink reachable again (${how})`);
  }

  async function runCheck(sink: Sink, atStart: boolean): Promise<void> {
    const state = states.get(sink.name)!;
    const controller = new AbortController();
    const stop = () => controller.abort(new Error('the service is stopping'));
    stopping.signal.addEventListener('abort', stop, { once: true });
    const timeout = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    let failure: string | undefined;
    try {
      await Promise.race([sink.check!(controller.signal), rejectSoonAfterAbort(controller.signal)]);
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    } finally {
      clearTimeout(timeout);
      stopping.signal.removeEventListener('abort', stop);
    }
    if (stopping.signal.aborted) return;
    if (failure === undefined) return reachable(sink.name, 'a check succeeded');
    const known = state.problem !== undefined;
    state.problem = failure;
    state.dueAt = clock() + recheckMs;
    if (!known) {
      logger.warn(
        { sink: sink.name, err: failure, recheckMs },
        `sink unreachable${atStart ? ' at start' : ''}: deliveries to it fail until it is reachable (docs/runbooks.md: a sink is unreachable)`,
      );
    }
  }

  function launch(sink: Sink, atStart: boolean): Promise<void> {
    const state = states.get(sink.name)!;
    state.running ??= runCheck(sink, atStart).finally(() => (state.running = undefined));
    return state.running;
  }

  function tick(): void {
    const now = clock();
    for (const sink of checked) {
      const state = states.get(sink.name)!;
      if (state.problem !== undefined && state.running === undefined && now >= state.dueAt) void launch(sink, false);
    }
  }

  return {
    /** Checks every sink once and starts re-checking; resolves when the first round has settled. */
    start(): Promise<void> {
      timer ??= setInterval(tick, options.tickMs ?? sinkCheckDefaults.tickMs);
      timer.unref();
      return Promise.all(checked.map((sink) => launch(sink, true))).then(() => undefined);
    },
    /** The sink as the lanes should use it: a delivery that succeeds clears its problem. */
    observe(sink: Sink): Sink {
      const state = states.get(sink.name);
      if (state === undefined) return sink;
      return {
        name: sink.name,
        write(batch, signal) {
          const writing = sink.write(batch, signal);
          if (state.problem === undefined) return writing;
          return writing.then(
            () => reachable(sink.name, 'a delivery succeeded'),
            (error: unknown) => {
              if (error instanceof BatchError && error.failures.size < batch.length) reachable(sink.name, 'a delivery succeeded');
              throw error;
            },
          );
        },
        check: (signal) => sink.check!(signal),
        close: () => sink.close(),
      };
    },
    /** Why the sink is taken to be unreachable (the check's message), or undefined. */
    problem(name: string): string | undefined {
      return states.get(name)?.problem;
    },
    /** Names of the sinks taken to be unreachable now. */
    unreachable(): string[] {
      return checked.filter((sink) => states.get(sink.name)!.problem !== undefined).map((sink) => sink.name);
    },
    /** Stops re-checking and aborts the checks in flight; resolves once they have settled. */
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      stopping.abort();
      await Promise.allSettled([...states.values()].flatMap((state) => (state.running ? [state.running] : [])));
    },
  };
}

export type SinkHealth = ReturnType<typeof createSinkHealth>;

/** The `/readyz` entry of an unreachable sink: its name and the check's message (address and cause). */
export function healthProblem(name: string, problem: string | undefined): string | undefined {
  return problem === undefined ? undefined : `sink ${name} unreachable: ${problem}`;
}

/**
 * Rejects with the signal's reason shortly after it aborts: a check that honours its signal rejects
 * first (with its address); one that does not is still bounded.
 */
function rejectSoonAfterAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    signal.addEventListener('abort', () => setImmediate(() => reject(signal.reason)), { once: true });
  });
}
