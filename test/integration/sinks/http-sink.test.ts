import { createHttpSink, httpSinkConfig, retryAfterMs } from '../../../src/sinks/http-sink';
import { PermanentSinkError, RetryLaterError } from '../../../src/sinks/sink';
import { contractEvents, describeSinkContract } from '../../helpers/sink-contract';
import { startWebhookReceiver } from '../../helpers/webhook-receiver';

const secret = `whsec_${Buffer.from('a test secret of 32 bytes length').toString('base64')}`;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
beforeAll(async () => {
  receiver = await startWebhookReceiver(secret);
});
afterAll(() => receiver.destroy());

const sinkFor = (settings: Record<string, unknown> = {}) => createHttpSink(httpSinkConfig.parse({ type: 'http', url: receiver.url, secret, ...settings }));

describeSinkContract('http (batch)', () => ({
  makeSink: () => sinkFor(),
  readBack: async () => receiver.events(),
  dedupes: true,
  stop: () => receiver.stop(),
  start: () => receiver.start(),
}));

describeSinkContract('http (single)', () => ({
  makeSink: () => sinkFor({ mode: 'single', name: 'webhook' }),
  readBack: async () => receiver.events(),
  dedupes: true,
  stop: () => receiver.stop(),
  start: () => receiver.start(),
}));

describe('http sink', () => {
  const signal = () => AbortSignal.timeout(5000);

  test('When a batch is posted, then it is one signed request the receiver verifies, with the configured headers', async () => {
    const sink = await sinkFor({ headers: { 'x-tenant': 'acme' } });
    const before = receiver.requests.length;

    await sink.write(contractEvents(3), signal());

    const [req] = receiver.requests.slice(before);
    expect(receiver.requests.length - before).toBe(1);
    expect(req!.verified).toBe(true);
    expect(req!.headers['content-type']).toBe('application/cloudevents-batch+json');
    expect(req!.headers['x-tenant']).toBe('acme');
    expect(req!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(JSON.parse(req!.body)).toHaveLength(3);
  });

  test('When signed with another secret, then the receiver refuses it and the write fails for good (401)', async () => {
    const sink = await createHttpSink(httpSinkConfig.parse({ type: 'http', url: receiver.url, secret: 'whsec_b3RoZXI=' }));

    await expect(sink.write(contractEvents(1), signal())).rejects.toBeInstanceOf(PermanentSinkError);
  });

  test.each([
    [429, { 'retry-after': '7' }, RetryLaterError, 7000],
    [503, { 'retry-after': '2' }, RetryLaterError, 2000],
    [500, {}, Error, undefined],
    [408, {}, Error, undefined],
    [400, {}, PermanentSinkError, undefined],
    [404, {}, PermanentSinkError, undefined],
  ])('When the receiver answers %i, then the failure is classified for retry or dead letter', async (status, headers, kind, retryAfter) => {
    const sink = await sinkFor();
    receiver.respond({ status, headers });

    const error = await sink.write(contractEvents(1), signal()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(kind);
    if (kind === Error) expect(error).not.toBeInstanceOf(PermanentSinkError);
    expect((error as RetryLaterError).retryAfterMs).toBe(retryAfter);
  });

  test('When deadLetterOn4xx is false, then a 400 is an ordinary (retried) failure', async () => {
    const sink = await sinkFor({ deadLetterOn4xx: false });
    receiver.respond({ status: 400 });

    const error = await sink.write(contractEvents(1), signal()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(PermanentSinkError);
  });

  test('When the receiver never answers, then the write is aborted by its signal', async () => {
    const sink = await sinkFor();
    receiver.respond({ status: 200, hang: true });

    await expect(sink.write(contractEvents(1), AbortSignal.timeout(200))).rejects.toThrow();
  });

  test('When Retry-After is an HTTP date, then it becomes a delay', () => {
    expect(retryAfterMs(new Date(61_000).toUTCString(), 1000)).toBe(60_000);
    expect(retryAfterMs('soon', 0)).toBeUndefined();
    expect(retryAfterMs('999999', 0)).toBe(3_600_000);
  });
});
