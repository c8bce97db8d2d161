import { AckPolicy, connect, DeliverPolicy, type NatsConnection } from 'nats';
import { createNatsSink, natsSinkConfig } from '../../../src/sinks/nats-sink';
import { startNats, type TestServer } from '../../helpers/servers';
import { contractEvents, describeSinkContract } from '../../helpers/sink-contract';

let server: TestServer;
let reader: NatsConnection;
beforeAll(async () => {
  server = await startNats();
});
afterAll(async () => {
  await reader?.close();
  await server.destroy();
});

/** Every message in the stream, oldest first, read with an ephemeral consumer. */
async function readStream(stream: string): Promise<{ subject: string; headers: string | undefined; event: Record<string, unknown> }[]> {
  reader = reader && !reader.isClosed() ? reader : await connect({ servers: server.url });
  const jsm = await reader.jetstreamManager();
  const info = await jsm.streams.info(stream);
  const consumer = await jsm.consumers.add(stream, { ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.All, inactive_threshold: 5e9 });
  const messages = await (await reader.jetstream().consumers.get(stream, consumer.name)).fetch({ max_messages: info.state.messages, expires: 2000 });
  const out = [];
  for await (const m of messages) {
    out.push({ subject: m.subject, headers: m.headers?.get('Nats-Msg-Id'), event: JSON.parse(m.string()) as Record<string, unknown> });
    if (out.length >= info.state.messages) break;
  }
  return out;
}

const sinkFor = () => createNatsSink(natsSinkConfig.parse({ type: 'nats', servers: server.url, stream: { name: 'IMGW' }, timeoutMs: 2000 }));

describeSinkContract('nats', () => ({
  makeSink: sinkFor,
  readBack: async () => (await readStream('IMGW')).map((m) => m.event),
  dedupes: true,
  stop: () => server.stop(),
  start: () => server.start(),
}));

describe('nats sink', () => {
  test('When an event is published, then its subject comes from the template and Nats-Msg-Id is the event id', async () => {
    const sink = await sinkFor();
    const [event] = contractEvents(1);

    await sink.write([event!], AbortSignal.timeout(5000));
    await sink.close();

    const stored = (await readStream('IMGW')).find((m) => m.event.id === event!.attributes.id);
    expect(stored?.subject).toBe('im.tencent.C2C.CallbackAfterSendMsg');
    expect(stored?.headers).toBe(event!.attributes.id);
  });
});
