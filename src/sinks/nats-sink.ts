import type { NatsConnection } from '@nats-io/transport-node';
import type { JetStreamClient } from '@nats-io/jetstream';
import { loadNats } from './clients';
import { z } from 'zod';
import { eventToJson, type Event } from '../events/event';
import { causeText, safeAddress } from './addresses';
import { defineSink } from './definition';
import { abortable, deliverySettings, PermanentSinkError, throwIfAborted, writeEach, type DeliveryDefaults, type Sink } from './sink';
import { onceUntilSuccess } from './retry-once';
import { renderTemplate } from './templates';

/** JetStream's own default duplicate window, used when the stream is not created by the sink. */
export const jetStreamDefaultDuplicateWindowMs = 120_000;
/**
 * Longest subject published. The server closes a connection whose protocol line (`HPUB <subject>
 * <reply inbox> …`) passes `max_control_line` (4 KiB by default), failing every publish in flight.
 */
export const maxSubjectBytes = 1024;

/** Publishes of a batch go out together and are acknowledged one by one: the common sizes, in order. */
const natsDelivery: DeliveryDefaults = { batchSize: 1000, maxBatchBytes: 1024 * 1024, lingerMs: 0, concurrency: 1, timeoutMs: 10_000 };

export const natsSinkConfig = z.strictObject({
  type: z.literal('nats'),
  ...deliverySettings(natsDelivery),
  servers: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).default('nats://127.0.0.1:4222'),
  subject: z.string().min(1).default('im.{vendor}.{command}').describe('Subject template; {attribute} is filled from the event'),
  token: z.string().min(1).optional(),
  user: z.string().min(1).optional(),
  pass: z.string().min(1).optional(),
  stream: z
    .strictObject({
      name: z.string().regex(/^[A-Za-z0-9_-]+$/),
      subjects: z.array(z.string().min(1)).min(1).default(['im.>']),
      duplicateWindowMs: z
        .number()
        .int()
        .min(1000)
        .default(jetStreamDefaultDuplicateWindowMs)
        .describe('JetStream de-duplication window set when the sink creates the stream; a copy of an event id within it is dropped'),
    })
    .optional()
    .describe('Create (or leave as is) this stream at first connection'),
});

export type NatsSinkConfig = z.output<typeof natsSinkConfig>;

/** The duplicate window that protects this sink's publishes (the configured one, else JetStream's default). */
export function duplicateWindowMs(config: NatsSinkConfig): number {
  return config.stream?.duplicateWindowMs ?? jetStreamDefaultDuplicateWindowMs;
}

/**
 * What `replay` should say before re-queueing events received since `since` for these sinks: JetStream
 * drops a copy of an event id only within the stream's duplicate window, so replaying events older
 * than it stores them a second time.
 */
export function natsReplayWarnings(sinks: readonly { readonly type: string }[], since: number, now: number): string[] {
  return sinks
    .filter((sink): sink is NatsSinkConfig => sink.type === 'nats')
    .filter((sink) => now - since > duplicateWindowMs(sink))
    .map((sink) => {
      const window = duplicateWindowMs(sink);
      const name = sink.name ?? 'nats';
      return (
        `sink ${name}: events received before ${new Date(now - window).toISOString()} are older than the JetStream duplicate window ` +
        `(${window / 1000} s${sink.stream ? '' : ', JetStream default; the stream is not created by the sink'}); ` +
        'those the stream already holds are stored again, so consumers see them twice unless they de-duplicate by event id ' +
        `(raise stream.duplicateWindowMs, or replay from ${new Date(now - window).toISOString()} on)`
      );
    });
}

/**
 * Why `subject` cannot be published to, or undefined. Rendered values are encoded (see
 * `renderTemplate`), so only a template with an empty token, a space or a wildcard, or an over-long
 * one, gets here: such an event fails alone and for good instead of stalling the sink.
 */
export function subjectProblem(subject: string): string | undefined {
  if (Buffer.byteLength(subject) > maxSubjectBytes) return `longer than ${maxSubjectBytes} bytes`;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what a subject may not hold
  if (/[\s\u0000-\u001f\u007f]/.test(subject)) return 'contains white space or a control character';
  const tokens = subject.split('.');
  if (tokens.some((token) => token === '')) return 'has an empty token';
  if (tokens.some((token) => token === '*' || token === '>')) return 'has a wildcard token';
  return undefined;
}

/**
 * Publishes each event to JetStream with `Nats-Msg-Id` = event id, so the server drops a copy that
 * arrives within the stream's duplicate window, and reports each event on its own: delivered when the
 * publish is acknowledged (stored by the stream); failed for good, alone, when it can never be published
 * (a subject that is not valid, an event over the server's `max_payload`); failed for a retry otherwise.
 * Connects at the first write and reconnects by itself afterwards.
 */
export async function createNatsSink(config: NatsSinkConfig): Promise<Sink> {
  const servers = [config.servers].flat();
  const where = servers.map(safeAddress).join(', ');
  let closed = false;
  let opened: NatsConnection | undefined;
  /** Set while the client has lost its server and is reconnecting by itself. */
  let disconnected: string | undefined;

  async function watch(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') disconnected = `the connection to ${safeAddress(`nats://${status.server}`)} is down; reconnecting`;
      if (status.type === 'reconnect') disconnected = undefined;
    }
  }

  async function open(): Promise<{ nc: NatsConnection; js: JetStreamClient }> {
    const nc = await loadNats().connect({
      servers,
      name: 'im-callback-gateway',
      token: config.token,
      user: config.user,
      pass: config.pass,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      timeout: 3000,
    }).catch((error: unknown) => {
      throw new Error(`NATS at ${where}: ${causeText(error)}`, { cause: error });
    });
    if (closed) {
      // Closed while connecting (a health check can start the connection): do not leave it open.
      await nc.close();
      throw new Error('nats sink is closed');
    }
    try {
      if (config.stream) await ensureStream(nc, config.stream);
    } catch (error) {
      await nc.close();
      throw new Error(`NATS at ${where}: ${jetStreamProblem(error)}`, { cause: error });
    }
    opened = nc;
    void watch(nc).catch(() => undefined);
    return { nc, js: loadNats().jetstream(nc) };
  }
  const connection = onceUntilSuccess(open);

  async function publish(nc: NatsConnection, js: JetStreamClient, event: Event): Promise<void> {
    const subject = renderTemplate(config.subject, event.attributes);
    const invalid = subjectProblem(subject);
    if (invalid) throw new PermanentSinkError(`NATS subject ${JSON.stringify(subject.slice(0, 80))} ${invalid}`);
    const body = eventToJson(event);
    const limit = nc.info?.max_payload;
    try {
      await js.publish(subject, body, { msgID: event.attributes.id, timeout: config.timeoutMs });
    } catch (error) {
      const name = (error as { name?: unknown }).name;
      const server = nc.getServer() ? safeAddress(`nats://${nc.getServer()}`) : where;
      if (name === 'InvalidArgumentError' && /max_payload/.test(String((error as Error).message))) {
        throw new PermanentSinkError(`event of ${Buffer.byteLength(body)} bytes is over the max_payload of ${limit} bytes of the NATS server at ${server}`);
      }
      if (name === 'InvalidSubjectError') throw new PermanentSinkError(`NATS subject ${JSON.stringify(subject.slice(0, 80))} is not valid: ${causeText(error)}`);
      const state = disconnected ? ` (${disconnected})` : '';
      throw new Error(`NATS publish to ${subject.slice(0, 80)} via ${server}: ${publishProblem(error, config.timeoutMs)}${state}`, { cause: error });
    }
  }

  return {
    name: config.name ?? 'nats',
    async write(batch: readonly Event[], signal: AbortSignal) {
      const { nc, js } = await connection();
      throwIfAborted(signal);
      await writeEach(batch, (event) => publish(nc, js, event));
    },
    /**
     * Connects as a write would (the same connection, which writes then use), creates the stream if
     * configured and missing, and asks JetStream for the account's information: a server without
     * JetStream says so.
     */
    async check(signal: AbortSignal) {
      try {
        const { nc } = await abortable(connection(), signal);
        // Asked every time: a connection opened earlier may have lost its server and be reconnecting.
        await abortable(loadNats().jetstreamManager(nc, { timeout: config.timeoutMs }), signal);
      } catch (error) {
        const state = disconnected ? ` (${disconnected})` : '';
        if (signal.aborted) throw new Error(`NATS at ${where}: ${causeText(signal.reason)}${state}`, { cause: error });
        // Errors of connection() already name the server.
        if (error instanceof Error && error.message.startsWith('NATS at ')) throw error;
        throw new Error(`NATS at ${where}: ${jetStreamProblem(error)}${state}`, { cause: error });
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await opened?.drain().catch(() => opened?.close());
    },
  };
}

/** Creates the stream unless it exists (an existing stream is left as it is). */
async function ensureStream(nc: NatsConnection, stream: NonNullable<NatsSinkConfig['stream']>): Promise<void> {
  const { jetstreamManager, nanos } = loadNats();
  const jsm = await jetstreamManager(nc);
  const { name, subjects, duplicateWindowMs: window } = stream;
  try {
    await jsm.streams.info(name);
  } catch (error) {
    if ((error as { name?: unknown }).name !== 'StreamNotFoundError') throw error;
    await jsm.streams.add({ name, subjects, duplicate_window: nanos(window) });
  }
}

function jetStreamProblem(error: unknown): string {
  const name = (error as { name?: unknown }).name;
  if (name === 'JetStreamNotEnabled' || /no responders/.test(causeText(error))) {
    return 'JetStream is not enabled on this server or account (start nats-server with -js)';
  }
  return causeText(error);
}

function publishProblem(error: unknown, timeoutMs: number): string {
  const name = (error as { name?: unknown }).name;
  if (name === 'TimeoutError') return `no acknowledgement from JetStream within ${timeoutMs} ms`;
  if (name === 'JetStreamNotEnabled' || /no responders/.test(causeText(error))) {
    return 'no stream stores this subject, or JetStream is not enabled (no responders)';
  }
  return causeText(error);
}

export const natsSink = defineSink({ config: natsSinkConfig, delivery: natsDelivery, create: (config) => createNatsSink(config), replayWarnings: natsReplayWarnings });
