import { throwIfAborted, type Sink } from './sink';

/**
 * The sink as the registry hands it out, around what a factory built. It fixes `name` (the registry's,
 * so spool rows, lane and metrics agree), makes `close` idempotent (later calls share the first), and
 * refuses work a sink must never start: a `write` or `check` whose signal is already aborted rejects
 * with the signal's reason, and one called once `close` has been called rejects with
 * "sink <name> is closed", both before the sink is reached. A factory's sink therefore needs no such
 * checks on entry; it still honours `signal` once its work has begun. The health check, the journal
 * size and the lasting fault, where the sink has them, are passed through.
 */
export function guardSink(sink: Sink, name: string): Sink {
  let closing: Promise<void> | undefined;
  function refuse(signal: AbortSignal): void {
    throwIfAborted(signal);
    if (closing) throw new Error(`sink ${name} is closed`);
  }
  const check = sink.check?.bind(sink);
  const journalBytes = sink.journalBytes?.bind(sink);
  const fault = sink.fault?.bind(sink);
  return {
    name,
    async write(batch, signal) {
      refuse(signal);
      return sink.write(batch, signal);
    },
    ...(check
      ? {
          async check(signal: AbortSignal) {
            refuse(signal);
            return check(signal);
          },
        }
      : {}),
    ...(journalBytes ? { journalBytes } : {}),
    ...(fault ? { fault } : {}),
    close: () => (closing ??= sink.close()),
  };
}
