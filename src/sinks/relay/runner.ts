import type { Event } from '../../events/event';
import { neutralMessageSchema, type NeutralMessage } from '../../events/message';
import { relayVerdict } from '../../events/relay-marker';
import { BatchError, PermanentSinkError, throwIfAborted } from '../sink';
import { UnansweredSendError, UnmappableError } from './errors';
import type { RelayJournal, StepState } from './journal';

/** One call to the target for a relayed message; `key` stays the same however often the event comes (the journal's key). */
export interface RelayStep {
  readonly key: string;
}

export interface RelayRunnerOptions<S extends RelayStep> {
  /** The target's name in log lines. */
  readonly target: string;
  readonly journal: RelayJournal;
  readonly relayKeys: readonly string[];
  readonly unansweredResends: number;
  readonly parallelSends: number;
  /** Every call of one message, in order (none to skip it); throws `UnmappableError` for a message the target cannot take. */
  plan(message: NeutralMessage): readonly S[];
  /**
   * Makes one call; resolves with what the target answered (message ids), throws a classified error or
   * `UnansweredSendError`. `beforeCall` runs right before the request goes out.
   */
  send(step: S, signal: AbortSignal, beforeCall: () => void): Promise<Readonly<Record<string, string>>>;
  readonly warn: (fields: object, message: string) => void;
}

/**
 * The write loop every relay sink shares: messages whose own signed marker verifies and events without
 * a message are delivered without a call; the calls the target accepted are journaled and never made
 * again; a call whose answer never came is made again at most `unansweredResends` times; one
 * conversation's messages go in order, up to `parallelSends` conversations side by side; a message the
 * target cannot take is a dead letter alone, and after a retryable failure the later messages of its
 * conversation wait with it.
 */
export function createRelayRunner<S extends RelayStep>(options: RelayRunnerOptions<S>): { write(batch: readonly Event[], signal: AbortSignal): Promise<void> } {
  const { journal } = options;
  const inFlight = new Map<string, Promise<void>>();

  /** Sends one step unless the journal says it was sent, or its unanswered calls used up the resends. */
  async function sendStep(id: string, step: S, state: StepState | undefined, signal: AbortSignal): Promise<void> {
    if (state?.sent) return;
    if (state && state.unanswered > options.unansweredResends) {
      journal.record(id, step.key, undefined);
      options.warn({ event: id, step: step.key, calls: state.unanswered }, `${options.target} never answered this send; not sending it again (delivery unconfirmed)`);
      return;
    }
    // A journal that could not be flushed cannot promise to remember this call: nothing is sent until a
    // restart reopens it (the event waits, retryable), so no call is made that a restart could repeat.
    const fault = journal.fault();
    if (fault !== undefined) throw new Error(`not sent to ${options.target}: ${fault}`);
    throwIfAborted(signal);
    let called = false;
    let ids: Readonly<Record<string, string>>;
    try {
      ids = await options.send(step, signal, () => (called = true));
    } catch (error) {
      // An abort mid-call is unanswered too: the request may have reached the target.
      if (error instanceof UnansweredSendError || (called && signal.aborted)) {
        journal.unanswered(id, step.key);
        // A failed flush fails the whole write (see `write`); the call's own error is the one to report here.
        await journal.flushed().catch(() => undefined);
      }
      throw error;
    }
    journal.record(id, step.key, ids);
    // On disk before this conversation's next call: a crash then repeats at most the calls out at that moment.
    await journal.flushed();
  }

  async function relay(event: Event, signal: AbortSignal): Promise<void> {
    const message = parseMessage(event);
    if (message === undefined || relayVerdict(message, options.relayKeys) === 'ours') return;
    const steps = options.plan(message);
    const id = event.attributes.id;
    // A write aborted by the timeout may still be finishing a send of this event: never interleave with it.
    while (inFlight.has(id)) await inFlight.get(id)?.catch(() => undefined);
    const run = (async () => {
      const states = journal.steps(id);
      for (const step of steps) await sendStep(id, step, states.get(step.key), signal);
    })();
    inFlight.set(id, run);
    try {
      await run;
    } finally {
      inFlight.delete(id);
    }
  }

  return {
    async write(batch, signal) {
      const failures = new Map<number, Error>();
      const queue = [...conversations(batch).values()];
      // One conversation's messages in order; different conversations side by side (the quota, not the latency, sets the pace).
      async function worker(): Promise<void> {
        for (let indices = queue.shift(); indices !== undefined && !signal.aborted; indices = queue.shift()) {
          let holding: Error | undefined;
          for (const index of indices) {
            if (holding || signal.aborted) {
              if (holding) failures.set(index, holding);
              continue;
            }
            try {
              await relay(batch[index] as Event, signal);
            } catch (error) {
              const failure = error instanceof UnmappableError ? new PermanentSinkError(error.message) : (error as Error);
              failures.set(index, failure);
              // After a retryable failure the later messages of the conversation wait with it; a dead letter holds nothing back.
              if (!(failure instanceof PermanentSinkError)) holding = failure;
            }
          }
        }
      }
      await Promise.all(Array.from({ length: Math.min(options.parallelSends, queue.length) }, worker));
      throwIfAborted(signal);
      // Nothing is reported delivered before what the journal says of it is on disk (steps skipped as sent included).
      await journal.flushed();
      if (failures.size > 0) throw new BatchError(failures);
    },
  };
}

/** Batch indices by conversation (the recipient pair, or the group), each in batch order. */
function conversations(batch: readonly Event[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  batch.forEach((event, index) => {
    let key = `event:${event.attributes.id}`;
    try {
      const m = JSON.parse(event.message ?? 'null') as Partial<NeutralMessage> | null;
      if (m?.conversation) key = m.conversation === 'one-to-one' ? `c2c:${[m.from, m.to].sort().join('\u0000')}` : `${m.conversation}:${m.groupId}`;
    } catch {
      // an unreadable message fails alone in relay()
    }
    groups.set(key, [...(groups.get(key) ?? []), index]);
  });
  return groups;
}

function parseMessage(event: Event): NeutralMessage | undefined {
  if (event.message === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(event.message);
  } catch {
    throw new PermanentSinkError('the neutral message is not valid JSON');
  }
  const result = neutralMessageSchema.safeParse(json);
  if (!result.success) throw new PermanentSinkError(`the neutral message is invalid: ${result.error.issues[0]?.message ?? ''}`);
  return result.data;
}
