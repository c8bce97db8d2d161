import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { batchWebhookId, createHttpSink, httpSinkConfig, retryAfterMs } from '../../../src/sinks/http-sink';
import { buildSink, sinkConfigSchema } from '../../../src/sinks/registry';
import { BatchError, PermanentSinkError, RetryLaterError } from '../../../src/sinks/sink';
import { contractEvents, describeSinkContract } from '../../helpers/sink-contract';
import { freePort } from '../../helpers/servers';
import { runLane } from '../../helpers/sink-lane';
import { startWebhookReceiver, verifiesWith } from '../../helpers/webhook-receiver';

const secret = `whsec_${Buffer.from('a test secret of 32 bytes length').toString('base64')}`;
const otherSecret = `whsec_${Buffer.from('another secret, also 32 bytes ..').toString('base64')}`;
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

  test('When the sink posts, then it names itself in User-Agent (WAF rules refuse requests without one), unless the configuration sets its own', async () => {
    const before = receiver.requests.length;

    await (await sinkFor()).write(contractEvents(1), signal());
    await (await sinkFor({ mode: 'single', headers: { 'User-Agent': 'acme-archiver/2' } })).write(contractEvents(1), signal());

    const sent = receiver.requests.slice(before);
    expect(sent.map((req) => req.headers['user-agent'])).toEqual(['im-callback-gateway', 'acme-archiver/2']);
    expect(sent.every((req) => req.verified)).toBe(true);
  });

  test('When built by the registry with the service clock, then the webhook-timestamp is that clock, not the wall clock', async () => {
    // A minute behind the wall clock: within the receiver's tolerance, and unmistakably not the wall clock.
    const clock = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    const sink = await buildSink(sinkConfigSchema.parse({ type: 'http', url: receiver.url, secret }), { dataDir: '/nonexistent', clock: () => clock });
    const before = receiver.requests.length;

    await sink.write(contractEvents(1), signal());

    expect(receiver.requests.slice(before).map((req) => req.headers['webhook-timestamp'])).toEqual([String(clock / 1000)]);
  });

  test('When signed with another secret, then the receiver refuses it and the write fails for good (401)', async () => {
    const sink = await createHttpSink(httpSinkConfig.parse({ type: 'http', url: receiver.url, secret: otherSecret }));

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

  test('When the sink signs with two secrets (rotation), then the official library verifies the request with either', async () => {
    const sink = await sinkFor({ secret: [otherSecret, secret] });
    const before = receiver.requests.length;

    await sink.write(contractEvents(2), signal());

    const [req] = receiver.requests.slice(before);
    expect(String(req!.headers['webhook-signature']).split(' ')).toEqual([expect.stringMatching(/^v1,/), expect.stringMatching(/^v1,/)]);
    expect(verifiesWith(secret, req!)).toBe(true);
    expect(verifiesWith(otherSecret, req!)).toBe(true);
    expect(verifiesWith(`whsec_${randomBytes(32).toString('base64')}`, req!)).toBe(false);
  });

  test('When a single event is posted, then the official library verifies it and its webhook-id is the event id', async () => {
    const sink = await sinkFor({ mode: 'single' });
    const [event] = contractEvents(1);
    const before = receiver.requests.length;

    await sink.write([event!], signal());

    const [req] = receiver.requests.slice(before);
    expect(new Webhook(secret).verify(req!.body, req!.headers as Record<string, string>)).toMatchObject({ id: event!.attributes.id });
    expect(req!.headers['webhook-id']).toBe(event!.attributes.id);
    expect(req!.headers['content-type']).toBe('application/cloudevents+json');
  });

  test('When a failed batch comes back together with newer events, then it is posted again as it was, under the same webhook-id', async () => {
    const sink = await sinkFor();
    const [a, b, c, d, e] = contractEvents(5);
    receiver.respond({ status: 503 });
    const before = receiver.requests.length;

    await expect(sink.write([a!, b!, c!], signal())).rejects.toThrow('HTTP 503');
    await sink.write([a!, b!, c!, d!, e!], signal());

    const sent = receiver.requests.slice(before);
    const idsOf = (body: string) => (JSON.parse(body) as { id: string }[]).map((x) => x.id);
    expect(sent.map((r) => idsOf(r.body))).toEqual([
      [a, b, c].map((x) => x!.attributes.id),
      [a, b, c].map((x) => x!.attributes.id),
      [d, e].map((x) => x!.attributes.id),
    ]);
    expect(sent[1]!.headers['webhook-id']).toBe(sent[0]!.headers['webhook-id']);
    expect(sent[2]!.headers['webhook-id']).toBe(batchWebhookId([d!.attributes.id, e!.attributes.id]));
    expect(sent.every((r) => r.verified)).toBe(true);
  });

  test('When a retried batch was delivered, then later writes of other events are cut freely again', async () => {
    const sink = await sinkFor();
    const [a, b, c] = contractEvents(3);
    receiver.respond({ status: 500 });
    await expect(sink.write([a!], signal())).rejects.toThrow();
    await sink.write([a!], signal());
    const before = receiver.requests.length;

    await sink.write([a!, b!, c!], signal());

    expect(receiver.requests.slice(before).map((r) => r.headers['webhook-id'])).toEqual([batchWebhookId([a, b, c].map((x) => x!.attributes.id))]);
  });

  test('When Retry-After is an HTTP date, then it becomes a delay', () => {
    expect(retryAfterMs(new Date(61_000).toUTCString(), 1000)).toBe(60_000);
    expect(retryAfterMs('soon', 0)).toBeUndefined();
    expect(retryAfterMs('999999', 0)).toBe(3_600_000);
  });
});

describe('http sink, one refused event', () => {
  let strict: Awaited<ReturnType<typeof startWebhookReceiver>>;
  const poisonIds = new Set<string>();
  beforeAll(async () => {
    strict = await startWebhookReceiver(secret);
    strict.refuseEvents((event) => poisonIds.has(event.id as string), 400);
  });
  afterAll(() => strict.destroy());
  const strictSink = (settings: Record<string, unknown> = {}) => createHttpSink(httpSinkConfig.parse({ type: 'http', url: strict.url, secret, ...settings }));
  const poisoned = (count: number, at: number[]) => {
    const events = contractEvents(count);
    for (const i of at) poisonIds.add(events[i]!.attributes.id);
    return events;
  };
  const failedIndices = (error: unknown) => [...(error as BatchError).failures.keys()].sort((a, b) => a - b);

  test('When the receiver answers 400 for one event in single mode, then only that event fails for good', async () => {
    const sink = await strictSink({ mode: 'single' });
    const events = poisoned(5, [2]);

    const error = await sink.write(events, AbortSignal.timeout(5000)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(BatchError);
    expect(failedIndices(error)).toEqual([2]);
    expect((error as BatchError).failures.get(2)).toBeInstanceOf(PermanentSinkError);
    const received = strict.events().map((e) => e.id);
    expect(received).toEqual(expect.arrayContaining([0, 1, 3, 4].map((i) => events[i]!.attributes.id)));
    expect(received).not.toContain(events[2]!.attributes.id);
  });

  test('When the receiver refuses a batch because of one event, then the batch is split until that event alone fails and the rest are delivered in order', async () => {
    const sink = await strictSink();
    const events = poisoned(16, [11]);
    const before = strict.requests.length;

    const error = await sink.write(events, AbortSignal.timeout(5000)).catch((e: unknown) => e);

    expect(failedIndices(error)).toEqual([11]);
    expect((error as BatchError).failures.get(11)!.message).toBe(`HTTP 400 from ${strict.url}`);
    const wanted = events.filter((_, i) => i !== 11).map((e) => e.attributes.id);
    expect(strict.events().map((e) => e.id).filter((id) => wanted.includes(id as string))).toEqual(wanted);
    expect(strict.requests.length - before).toBe(1 + 2 * Math.log2(16));
    expect(strict.requests.slice(before).every((r) => r.verified)).toBe(true);
  });

  test('When a poison event sits in a lane (batch mode), then the dispatcher dead-letters it alone and delivers every neighbour', async () => {
    const sink = await strictSink({ name: 'webhook-lane' });
    const events = poisoned(30, [3, 17]);

    const result = await runLane(sink, events);

    expect(result.pending).toBe(0);
    expect(result.deadLetters.map((d) => d.id).sort()).toEqual([events[3]!.attributes.id, events[17]!.attributes.id].sort());
    const wanted = events.filter((_, i) => i !== 3 && i !== 17).map((e) => e.attributes.id);
    expect(strict.events().map((e) => e.id).filter((id) => wanted.includes(id as string))).toEqual(wanted);
  });

  test('When the receiver refuses every event, then splitting stops after 64 extra requests and the batch fails for good', async () => {
    const sink = await strictSink();
    const events = poisoned(500, Array.from({ length: 500 }, (_, i) => i));
    const before = strict.requests.length;

    const error = await sink.write(events, AbortSignal.timeout(20_000)).catch((e: unknown) => e);

    expect(strict.requests.length - before).toBeLessThanOrEqual(1 + 64);
    expect(failedIndices(error)).toEqual(events.map((_, i) => i));
    expect([...(error as BatchError).failures.values()].every((e) => e instanceof PermanentSinkError)).toBe(true);
  });

  test('When the receiver answers 401 for a batch, then it is not split: the whole batch fails for good in one request', async () => {
    const sink = await strictSink();
    strict.respond({ status: 401 });
    const before = strict.requests.length;

    const error = await sink.write(contractEvents(8), AbortSignal.timeout(5000)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PermanentSinkError);
    expect(strict.requests.length - before).toBe(1);
  });
});

describe('http sink redirects', () => {
  const signal = () => AbortSignal.timeout(5000);
  const requestsDuring = async (work: () => Promise<unknown>) => {
    const before = receiver.requests.length;
    const outcome = await work().then(
      () => undefined,
      (error: unknown) => error,
    );
    return { outcome, sent: receiver.requests.slice(before) };
  };

  test.each([301, 302, 303, 307, 308])('When the receiver answers %i (a GET to the new place would say 200), then the write fails and nothing else is sent', async (status) => {
    const sink = await sinkFor();
    const batch = contractEvents(2);
    receiver.respond({ status, headers: { location: '/moved' } }, { status: 200 });

    const { outcome, sent } = await requestsDuring(() => sink.write(batch, signal()));

    expect(outcome).toBeInstanceOf(Error);
    expect(outcome).not.toBeInstanceOf(PermanentSinkError);
    expect((outcome as Error).message).toBe(
      `HTTP ${status} redirect from ${receiver.url} to http://127.0.0.1:${receiver.port}/moved not followed (redirect: error); set url to the new address${status >= 307 ? ' or redirect: follow' : ''}`,
    );
    expect(sent.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /events']);
    expect(receiver.events().map((e) => e.id)).not.toContain(batch[0]!.attributes.id);
    receiver.forgetReplies();
  });

  test.each([307, 308])('When redirect is follow and the receiver answers %i, then the same signed POST goes to the new place and counts', async (status) => {
    const sink = await sinkFor({ redirect: 'follow', headers: { authorization: 'Bearer same-origin' } });
    const batch = contractEvents(2);
    receiver.respond({ status, headers: { location: '/moved' } });

    const { outcome, sent } = await requestsDuring(() => sink.write(batch, signal()));

    expect(outcome).toBeUndefined();
    expect(sent.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /events', 'POST /moved']);
    expect(sent[1]!.body).toBe(sent[0]!.body);
    expect(sent[1]!.verified).toBe(true);
    expect(sent[1]!.headers.authorization).toBe('Bearer same-origin');
    expect(receiver.events().map((e) => e.id)).toEqual(expect.arrayContaining(batch.map((e) => e.attributes.id)));
  });

  test.each([301, 302, 303])('When redirect is follow and the receiver answers %i, then it is still a failure (the POST would become a GET)', async (status) => {
    const sink = await sinkFor({ redirect: 'follow' });
    receiver.respond({ status, headers: { location: '/moved' } });

    const { outcome, sent } = await requestsDuring(() => sink.write(contractEvents(1), signal()));

    expect((outcome as Error).message).toMatch(new RegExp(`^HTTP ${status} redirect .* not followed: only 307 and 308 keep the POST`));
    expect(sent).toHaveLength(1);
  });

  test('When a 307 points to another origin, then the POST follows without the configured headers, still signed', async () => {
    const other = await startWebhookReceiver(secret);
    try {
      const sink = await sinkFor({ redirect: 'follow', headers: { authorization: 'Bearer for-the-first-origin-only' } });
      receiver.respond({ status: 307, headers: { location: `${other.url}?token=abc` } });

      await sink.write(contractEvents(1), signal());

      expect(other.requests).toHaveLength(1);
      expect(other.requests[0]!.verified).toBe(true);
      expect(other.requests[0]!.headers.authorization).toBeUndefined();
    } finally {
      await other.destroy();
    }
  });

  test('When redirects loop, then the write fails after 5 hops and names the last one without its query', async () => {
    const sink = await sinkFor({ redirect: 'follow' });
    receiver.respond(...Array.from({ length: 6 }, () => ({ status: 308, headers: { location: '/events?secret=do-not-log' } })));

    const { outcome, sent } = await requestsDuring(() => sink.write(contractEvents(1), signal()));

    expect(sent).toHaveLength(6);
    expect((outcome as Error).message).toBe(`HTTP 308 redirect from ${receiver.url} to ${receiver.url}: more than 5 redirects`);
  });
});

describe('http sink errors', () => {
  test('When nothing listens at the address, then the error names the address and the cause, never the credentials or query', async () => {
    const port = await freePort();
    const sink = await createHttpSink(httpSinkConfig.parse({ type: 'http', url: `http://127.0.0.1:${port}/events?token=abc`, secret }));

    const error = (await sink.write(contractEvents(1), AbortSignal.timeout(5000)).catch((e: unknown) => e)) as Error;

    expect(error.message).toBe(`POST http://127.0.0.1:${port}/events failed: connect ECONNREFUSED 127.0.0.1:${port}`);
    expect(error).not.toBeInstanceOf(PermanentSinkError);
  });

  test('When the host name does not resolve, then the error says so', async () => {
    const sink = await createHttpSink(httpSinkConfig.parse({ type: 'http', url: 'http://no-such-host.invalid/events' }));

    const error = (await sink.write(contractEvents(1), AbortSignal.timeout(5000)).catch((e: unknown) => e)) as Error;

    expect(error.message).toMatch(/^POST http:\/\/no-such-host\.invalid\/events failed: getaddrinfo (ENOTFOUND|EAI_AGAIN) no-such-host\.invalid$/);
  });

  test('When the URL carries a user and password, then the configuration is refused without repeating them', () => {
    const result = httpSinkConfig.safeParse({ type: 'http', url: 'https://user:hunter2@receiver.example/events' });

    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.message).toBe('user and password do not belong in the URL: set headers: { authorization: … } instead');
    expect(JSON.stringify(result.error!.issues)).not.toContain('hunter2');
  });

  test('When the receiver answers 503, then the error names the address', async () => {
    const sink = await sinkFor();
    receiver.respond({ status: 503 });

    await expect(sink.write(contractEvents(1), AbortSignal.timeout(5000))).rejects.toThrow(`HTTP 503 from ${receiver.url}`);
  });
});

describe('http sink secrets', () => {
  const parse = (value: unknown) => httpSinkConfig.safeParse({ type: 'http', url: 'http://127.0.0.1:1/', secret: value });
  const problem = (value: unknown) => {
    const result = parse(value);
    return result.success ? undefined : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  };

  test.each([
    ['whsec_!!!!', /not padded base64/],
    ['whsec_', /empty/],
    ['whsec_YWJj ZGVm', /not padded base64/],
    ['whsec_b3RoZXI=', /5 bytes.*at least 24/],
    ['a plain string', /expected "whsec_" followed by the base64/],
    [Buffer.from('x'.repeat(32)).toString('base64'), /expected "whsec_"/],
    [`whsec_${randomBytes(65).toString('base64')}`, /at most 64/],
    [[], /too small|at least 1/i],
  ])('When the secret is %j, then the configuration is refused with a clear message', (value, message) => {
    expect(problem(value)).toMatch(message);
  });

  test('When a secret is refused, then the message does not repeat it', () => {
    for (const leaked of ['whsec_c2VjcmV0LXRvby1zaG9ydA==', 'a plain secret string', 'whsec_s3cr3t!!']) {
      expect(problem(leaked)).toBeDefined();
      expect(problem(leaked)).not.toContain(leaked.replace('whsec_', ''));
    }
  });

  test('When secrets are valid keys of 24 to 64 bytes, then they load and the official library verifies what the sink signs', async () => {
    const secrets = [24, 32, 64].map((n) => `whsec_${randomBytes(n).toString('base64')}`);
    for (const value of [...secrets, secrets]) expect(problem(value)).toBeUndefined();
    const local = await startWebhookReceiver(secrets[0]!);
    try {
      const sink = await createHttpSink(httpSinkConfig.parse({ type: 'http', url: local.url, secret: secrets }));
      await sink.write(contractEvents(2), AbortSignal.timeout(5000));
      for (const s of secrets) expect(verifiesWith(s, local.requests[0]!)).toBe(true);
    } finally {
      await local.destroy();
    }
  });
});
