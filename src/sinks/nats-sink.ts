import { connect, nanos, type NatsConnection } from 'nats';
import { z } from 'zod';
import { eventToJson, type Event } from '../events/event';
import { deliverySettings, throwIfAborted, type Sink } from './sink';
import { onceUntilSuccess } from './retry-once';
import { renderTemplate } from './templates';

export const natsSinkConfig = z.strictObject({
  type: z.literal('nats'),
  ...deliverySettings,
  servers: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).default('nats://127.0.0.1:4222'),
  subject: z.string().min(1).default('im.{vendor}.{command}').describe('Subject template; {attribute} is filled from the event'),
  token: z.string().min(1).optional(),
  user: z.string().min(1).optional(),
  pass: z.string().min(1).optional(),
  stream: z
    .strictObject({
      name: z.string().regex(/^[A-Za-z0-9_-]+$/),
      subjects: z.array(z.string().min(1)).min(1).default(['im.>']),
      duplicateWindowMs: z.number().int().min(1000).default(120_000).describe('JetStream de-duplication window'),
    })
    .optional()
    .describe('Create (or leave as is) this stream at first connection'),
});

/**
 * Publishes each event to JetStream with `Nats-Msg-Id` = event id, so the server drops a copy that
 * arrives within the stream's duplicate window, and resolves only when every publish is acknowledged
 * (stored by the stream). Connects at the first write and reconnects by itself afterwards.
 */
export async function createNatsSink(config: z.output<typeof natsSinkConfig>): Promise<Sink> {
  let closed = false;
  let opened: NatsConnection | undefined;

  async function open(): Promise<NatsConnection> {
    const nc = await connect({
      servers: config.servers,
      name: 'im-callback-gateway',
      token: config.token,
      user: config.user,
      pass: config.pass,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      timeout: 3000,
    });
    if (config.stream) {
      const { name, subjects, duplicateWindowMs } = config.stream;
      try {
        const jsm = await nc.jetstreamManager();
        await jsm.streams.info(name).catch(() => jsm.streams.add({ name, subjects, duplicate_window: nanos(duplicateWindowMs) }));
      } catch (error) {
        await nc.close();
        throw error;
      }
    }
    opened = nc;
    return nc;
  }
  const connection = onceUntilSuccess(open);

  return {
    name: config.name ?? 'nats',
    async write(batch: readonly Event[], signal: AbortSignal) {
      throwIfAborted(signal);
      if (closed) throw new Error('nats sink is closed');
      const js = (await connection()).jetstream();
      await Promise.all(
        batch.map((event) =>
          js.publish(renderTemplate(config.subject, event.attributes), eventToJson(event), { msgID: event.attributes.id, timeout: config.timeoutMs }),
        ),
      );
    },
    async close() {
      if (closed) return;
      closed = true;
      await opened?.drain().catch(() => opened?.close());
    },
  };
}
