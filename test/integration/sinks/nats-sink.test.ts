import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../../src/cli';
import { loadConfig } from '../../../src/config';
import type { Event } from '../../../src/events/event';
import { openSpool } from '../../../src/pipeline/spool';
import { createNatsSink, natsReplayWarnings, natsSinkConfig, subjectProblem } from '../../../src/sinks/nats-sink';
import { BatchError, PermanentSinkError } from '../../../src/sinks/sink';
import { freePort, startNats, type TestServer } from '../../helpers/servers';
import { contractEvents, describeSinkContract } from '../../helpers/sink-contract';
import { tempDataDir } from '../../helpers/service';
import { runLane } from '../../helpers/sink-lane';
import { TEST_TOKEN } from '../../helpers/tencent';

let server: TestServer;
let reader: NatsConnection | undefined;
beforeAll(async () => {
  server = await startNats();
});
afterAll(async () => {
  await reader?.close();
  await server.destroy();
});

interface Stored {
  subject: string;
  msgId: string | undefined;
  event: Record<string, unknown>;
}

/** Every message in the stream, oldest first, read with an ephemeral consumer. */
async function readStream(stream: string): Promise<Stored[]> {
  reader = reader && !reader.isClosed() ? reader : await connect({ servers: server.url });
  const jsm = await jetstreamManager(reader);
  const info = await jsm.streams.info(stream);
  if (info.state.messages === 0) return [];
  const consumer = await jsm.consumers.add(stream, { ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.All, inactive_threshold: 5e9 });
  const messages = await (await jetstream(reader).consumers.get(stream, consumer.name)).fetch({ max_messages: info.state.messages, expires: 2000 });
  const out: Stored[] = [];
  for await (const m of messages) {
    out.push({ subject: m.subject, msgId: m.headers?.get('Nats-Msg-Id'), event: JSON.parse(m.string()) as Record<string, unknown> });
    if (out.length >= info.state.messages) break;
  }
  return out;
}

const sinkFor = (settings: Record<string, unknown> = {}) =>
  createNatsSink(natsSinkConfig.parse({ type: 'nats', servers: server.url, stream: { name: 'IMGW' }, timeoutMs: 2000, ...settings }));

describeSinkContract('nats', () => ({
  makeSink: () => sinkFor(),
  readBack: async () => (await readStream('IMGW')).map((m) => m.event),
  dedupes: true,
  stop: () => server.stop(),
  start: () => server.start(),
}));

/** An event like the contract's, with some attributes replaced. */
function eventWith(attributes: Record<string, unknown>, data?: string): Event {
  const [base] = contractEvents(1);
  return { attributes: { ...base!.attributes, ...attributes } as Event['attributes'], data: data ?? base!.data };
}

describe('nats sink', () => {
  test('When an event is published, then its subject comes from the template and Nats-Msg-Id is the event id', async () => {
    const sink = await sinkFor();
    const [event] = contractEvents(1);

    await sink.write([event!], AbortSignal.timeout(5000));
    await sink.close();

    const stored = (await readStream('IMGW')).find((m) => m.event.id === event!.attributes.id);
    expect(stored?.subject).toBe('im.tencent.C2C.CallbackAfterSendMsg');
    expect(stored?.msgId).toBe(event!.attributes.id);
  });

  test('When the sink creates the stream, then the stream has the configured duplicate window', async () => {
    const sink = await sinkFor({ stream: { name: 'WINDOWED', subjects: ['win.>'], duplicateWindowMs: 3_600_000 }, subject: 'win.{vendor}' });

    await sink.write(contractEvents(1), AbortSignal.timeout(5000));
    await sink.close();

    reader = reader && !reader.isClosed() ? reader : await connect({ servers: server.url });
    const info = await (await jetstreamManager(reader)).streams.info('WINDOWED');
    expect(info.config.duplicate_window).toBe(3_600_000 * 1e6);
  });

  test('When one event is over the server max_payload, then it alone fails for good and its neighbours are stored', async () => {
    const sink = await sinkFor();
    const [before, after] = contractEvents(2);
    const big = eventWith({}, JSON.stringify({ Text: 'x'.repeat(1024 * 1024 + 10) }));

    const error = await sink.write([before!, big, after!], AbortSignal.timeout(5000)).catch((e: unknown) => e);
    await sink.write(contractEvents(1), AbortSignal.timeout(5000));
    await sink.close();

    expect(error).toBeInstanceOf(BatchError);
    const failures = (error as BatchError).failures;
    expect([...failures.keys()]).toEqual([1]);
    expect(failures.get(1)).toBeInstanceOf(PermanentSinkError);
    expect(failures.get(1)!.message).toMatch(new RegExp(`^event of \\d+ bytes is over the max_payload of 1048576 bytes of the NATS server at nats://127\\.0\\.0\\.1:${server.port}$`));
    const ids = (await readStream('IMGW')).map((m) => m.event.id);
    expect(ids).toEqual(expect.arrayContaining([before!.attributes.id, after!.attributes.id]));
    expect(ids).not.toContain(big.attributes.id);
  });

  test('When commands and user ids are hostile (Foo., a..b, wildcards, 10,000 characters), then every event is stored under its own valid subject', async () => {
    const sink = await sinkFor({ subject: 'im.{vendor}.{command}.{fromaccount}' });
    const hostile = [
      eventWith({ command: 'Foo.' }),
      eventWith({ command: 'a..b' }),
      eventWith({ command: '.' }),
      eventWith({ fromaccount: 'user.*.>' }),
      eventWith({ fromaccount: 'u'.repeat(10_000) }),
      eventWith({ fromaccount: `${'u'.repeat(10_000)}2` }),
      eventWith({ fromaccount: 'white space\tand\nnewline' }),
    ];

    await sink.write(hostile, AbortSignal.timeout(5000));
    await sink.close();

    const stored = (await readStream('IMGW')).filter((m) => hostile.some((e) => e.attributes.id === m.event.id));
    expect(stored).toHaveLength(hostile.length);
    for (const m of stored) expect(subjectProblem(m.subject)).toBeUndefined();
    expect(new Set(stored.map((m) => m.subject)).size).toBe(hostile.length);
    expect(Math.max(...stored.map((m) => m.subject.length))).toBeLessThan(200);
  });

  test('When the subject template itself renders an invalid subject, then each event fails for good instead of stalling', async () => {
    const sink = await sinkFor({ subject: 'im..{vendor}' });

    const error = await sink.write(contractEvents(2), AbortSignal.timeout(5000)).catch((e: unknown) => e);
    await sink.close();

    expect(error).toBeInstanceOf(BatchError);
    expect([...(error as BatchError).failures.values()].map((e) => [e.constructor.name, e.message])).toEqual([
      ['PermanentSinkError', 'NATS subject "im..tencent" has an empty token'],
      ['PermanentSinkError', 'NATS subject "im..tencent" has an empty token'],
    ]);
  });

  test('When a poison event sits in a lane, then the dispatcher dead-letters it alone and delivers every neighbour in order', async () => {
    const sink = await sinkFor({ name: 'nats-lane', subject: 'im.{vendor}.{command}.{fromaccount}' });
    const [a, b, c] = contractEvents(3);
    const big = eventWith({}, JSON.stringify({ Text: 'y'.repeat(1024 * 1024 + 10) }));
    const odd = [eventWith({ command: 'Foo.' }), eventWith({ command: 'a..b' }), eventWith({ fromaccount: 'z'.repeat(5000) })];
    const events = [a!, big, b!, ...odd, c!];

    const result = await runLane(sink, events);
    await sink.close();

    expect(result.pending).toBe(0);
    expect(result.deadLetters.map((d) => d.id)).toEqual([big.attributes.id]);
    const stored = (await readStream('IMGW')).map((m) => m.event.id as string);
    const wanted = events.filter((e) => e !== big).map((e) => e.attributes.id);
    expect(stored.filter((id) => wanted.includes(id))).toEqual(wanted);
  });

  test('When nothing listens at the address, then the error names the address and the cause, never the credentials', async () => {
    const port = await freePort();
    const sink = await createNatsSink(natsSinkConfig.parse({ type: 'nats', servers: `nats://alice:hunter2@127.0.0.1:${port}`, timeoutMs: 1000 }));

    const error = (await sink.write(contractEvents(1), AbortSignal.timeout(5000)).catch((e: unknown) => e)) as Error;

    expect(error.message).toBe(`NATS at nats://127.0.0.1:${port}: connection refused: connect ECONNREFUSED 127.0.0.1:${port}`);
    await sink.close();
  });

  test('When the server goes away after connecting, then the error names the server and says what is missing', async () => {
    const own = await startNats();
    try {
      const sink = await createNatsSink(natsSinkConfig.parse({ type: 'nats', servers: own.url, stream: { name: 'GONE' }, timeoutMs: 500 }));
      await sink.write(contractEvents(1), AbortSignal.timeout(5000));
      await own.stop();

      const error = (await sink.write(contractEvents(1), AbortSignal.timeout(5000)).catch((e: unknown) => e)) as Error;
      await sink.close();

      expect(error).toBeInstanceOf(BatchError);
      expect((error as BatchError).failures.get(0)!.message).toBe(
        `NATS publish to im.tencent.C2C.CallbackAfterSendMsg via nats://127.0.0.1:${own.port}: no acknowledgement from JetStream within 500 ms ` +
          `(the connection to nats://127.0.0.1:${own.port} is down; reconnecting)`,
      );
    } finally {
      await own.destroy();
    }
  });

  test('When the server has no JetStream, then the error says exactly that', async () => {
    const plain = await startNats(undefined, { jetStream: false });
    try {
      const sink = await createNatsSink(natsSinkConfig.parse({ type: 'nats', servers: plain.url, stream: { name: 'IMGW' }, timeoutMs: 1000 }));
      const error = (await sink.write(contractEvents(1), AbortSignal.timeout(5000)).catch((e: unknown) => e)) as Error;
      expect(error.message).toBe(`NATS at ${plain.url}: JetStream is not enabled on this server or account (start nats-server with -js)`);
      await sink.close();
    } finally {
      await plain.destroy();
    }
  });
});

describe('nats replay and the duplicate window', () => {
  test('When replay reaches past the duplicate window of a NATS sink, then it warns on stderr; a replay within the window does not', async () => {
    const dataDir = tempDataDir();
    try {
      const now = Date.now();
      const spool = openSpool({ path: join(dataDir, 'spool.db'), sinks: ['nats'] });
      const [old, recent] = contractEvents(2);
      await spool.append(old!, now - 10 * 60_000);
      await spool.append(recent!, now - 10_000);
      spool.close();
      const config = loadConfig({ DATA_DIR: dataDir, TENCENT_CALLBACK_TOKENS: TEST_TOKEN }, { sinks: [{ type: 'nats', servers: server.url, stream: { name: 'IMGW', duplicateWindowMs: 60_000 } }] });
      const run = async (...argv: string[]) => {
        const out: string[] = [];
        const err: string[] = [];
        const code = await runCli(argv, config, { out: (line) => void out.push(line), err: (line) => void err.push(line) }, now);
        return { code, out, err };
      };

      const wide = await run('replay', '--since', '1h');
      const narrow = await run('replay', '--since', '30s');

      expect(wide.code).toBe(0);
      expect(wide.err).toEqual([
        `warning: sink nats: events received before ${new Date(now - 60_000).toISOString()} are older than the JetStream duplicate window (60 s); ` +
          'those the stream already holds are stored again, so consumers see them twice unless they de-duplicate by event id ' +
          `(raise stream.duplicateWindowMs, or replay from ${new Date(now - 60_000).toISOString()} on)`,
      ]);
      expect(narrow).toMatchObject({ code: 0, err: [] });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('When the sink does not create the stream, then the warning uses JetStream default window and says so', () => {
    const sinks = [natsSinkConfig.parse({ type: 'nats', name: 'bus' }), { type: 'file' }];

    expect(natsReplayWarnings(sinks, 0, 119_000)).toEqual([]);
    expect(natsReplayWarnings(sinks, 0, 121_000)).toEqual([expect.stringMatching(/^sink bus: .*\(120 s, JetStream default; the stream is not created by the sink\)/)]);
  });
});
