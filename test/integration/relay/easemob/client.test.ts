import { PermanentSinkError, RetryLaterError } from '../../../../src/sinks/sink';
import { createEasemobClient, type SendRequest } from '../../../../src/sinks/relay/easemob/client';
import { createSendLimiter, quotasSchema } from '../../../../src/sinks/relay/easemob/limiter';
import { createAppTokens, type AppTokens } from '../../../../src/protocols/easemob-app-token';
import { startEasemobStandin, type EasemobStandin } from '../../../helpers/easemob-standin';
import { until } from '../../../helpers/wait';

describe('Easemob REST client against the stand-in', () => {
  let now: number;
  let standin: EasemobStandin;
  const clock = () => now;
  const txt = (to: string[] = ['bob']): SendRequest => ({ from: 'relay_bot', to, type: 'txt', body: { msg: 'hi' } });
  const signal = () => new AbortController().signal;

  beforeEach(async () => {
    now = 1_718_000_000_000;
    // Quotas raised on both sides here: these tests are about tokens and errors, not limits.
    standin = await startEasemobStandin({ clock, limits: { users: { callsPerSecond: 1000 }, chatrooms: { callsPerSecond: 1000, messages: 1000 } } });
  });
  afterEach(() => standin.close());

  function build(overrides: { ttlSeconds?: number; clientSecret?: string; requestTimeoutMs?: number } = {}) {
    const tokens = createAppTokens({
      url: `${standin.url}/acme/chatapp/token`,
      clientId: standin.clientId,
      clientSecret: overrides.clientSecret ?? standin.clientSecret,
      ttlSeconds: overrides.ttlSeconds,
      timeoutMs: overrides.requestTimeoutMs ?? 5000,
      clock,
    });
    const limiter = createSendLimiter({ appKey: 'acme#chatapp', quotas: quotasSchema.parse({ users: { callsPerSecond: 1000 }, chatrooms: { callsPerSecond: 1000, messages: 1000 } }), podShare: 1, clock });
    const client = createEasemobClient({ appUrl: `${standin.url}/acme/chatapp`, tokens, limiter, requestTimeoutMs: overrides.requestTimeoutMs ?? 5000, random: () => 0.5 });
    return { tokens, limiter, client };
  }

  async function settle(tokens: AppTokens, fetches: number): Promise<void> {
    await until(() => standin.tokenRequests().filter((r) => r.status !== 0).length >= fetches && tokens.fetches >= fetches);
  }

  describe('app token', () => {
    // 200 sends and the stand-in share one process: on a busy machine the last answers can take
    // seconds, which says nothing about tokens, so these calls get a wide timeout.
    test('When 200 sends start at once with no token, then the token is fetched once and every send is delivered', async () => {
      const { client } = build({ requestTimeoutMs: 60_000 });

      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => client.send(i < 100 ? 'users' : 'chatrooms', txt([`u${i}`]), signal())));

      expect(standin.tokenRequests()).toHaveLength(1);
      expect(results.every((ids) => Object.keys(ids).length === 1)).toBe(true);
      expect(standin.accepted).toHaveLength(200);
      const auth = new Set(standin.sendRequests().map((r) => r.headers.authorization));
      expect([...auth]).toEqual([`Bearer ${(standin.tokenRequests()[0]?.response as { access_token: string }).access_token}`]);
    });

    test('When the token is at half its life, then it is refreshed once in the background while sends keep using the valid one', async () => {
      const { client, tokens } = build({ ttlSeconds: 100 });
      await client.send('users', txt(), signal());
      now += 49_000;
      await client.send('users', txt(), signal());
      expect(standin.tokenRequests()).toHaveLength(1);

      now += 2_000;
      await Promise.all(Array.from({ length: 50 }, () => client.send('users', txt(), signal())));
      await settle(tokens, 2);
      await client.send('users', txt(), signal());

      expect(standin.tokenRequests()).toHaveLength(2);
      expect(JSON.parse(standin.tokenRequests()[0]!.body)).toEqual({ grant_type: 'client_credentials', client_id: standin.clientId, client_secret: standin.clientSecret, ttl: 100 });
      const last = standin.sendRequests().at(-1)!.headers.authorization;
      expect(last).toBe(`Bearer ${(standin.tokenRequests()[1]!.response as { access_token: string }).access_token}`);
    });

    test('When Easemob ends the token early, then 200 waiting sends get 401, one new token is fetched and each send is retried once', async () => {
      const { client } = build({ requestTimeoutMs: 60_000 });
      await client.send('users', txt(), signal());
      standin.expireTokens();

      await Promise.all(Array.from({ length: 200 }, (_, i) => client.send(i % 2 ? 'users' : 'chatrooms', txt([`r${i}`]), signal())));

      expect(standin.tokenRequests()).toHaveLength(2);
      expect(standin.sendRequests().filter((r) => r.status === 401).length).toBeGreaterThan(0);
      expect(standin.accepted).toHaveLength(201);
    });

    test('When the new token gets 401 too, then the send fails as retryable after one retry (no loop)', async () => {
      const { client } = build();
      await client.send('users', txt(), signal());
      standin.respond({ status: 401, body: { error: 'unauthorized', error_description: 'Unable to authenticate due to expired access token' } }, { status: 401, body: { error: 'unauthorized' } });

      const error = await client.send('users', txt(), signal()).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(PermanentSinkError);
      expect(error).not.toBeInstanceOf(RetryLaterError);
      expect(standin.tokenRequests()).toHaveLength(2);
      expect(standin.sendRequests()).toHaveLength(3);
    });

    test('When the client secret is wrong, then the failure is remembered for 10 s (no token request storm) and never shows the secret', async () => {
      const { client } = build({ clientSecret: 'wrong-secret-value' });

      const first = await client.send('users', txt(), signal()).catch((e: Error) => e);
      const again = await Promise.all(Array.from({ length: 20 }, () => client.send('users', txt(), signal()).catch((e: Error) => e)));
      now += 10_001;
      await client.send('users', txt(), signal()).catch(() => undefined);

      expect(first.message).toBe('Easemob token request failed: HTTP 400 invalid_grant client_id does not match');
      expect(again.every((e) => e.message === first.message)).toBe(true);
      expect([first, ...again].some((e) => e.message.includes('wrong-secret-value'))).toBe(false);
      expect(standin.tokenRequests()).toHaveLength(2);
    });
  });

  describe('error classification', () => {
    test('When Easemob answers 429 reach_limit, then RetryLaterError with a full-jitter backoff, and the endpoint pauses without calling', async () => {
      const { client } = build();
      standin.respond({ status: 429, body: { error: 'reach_limit', error_description: 'This request has reached api limit' } });

      const error = await client.send('users', txt(), signal()).catch((e: unknown) => e);
      const paused = await client.send('users', txt(), signal()).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(RetryLaterError);
      expect((error as RetryLaterError).retryAfterMs).toBe(1000);
      expect((error as Error).message).toBe('Easemob users send: HTTP 429 reach_limit: This request has reached api limit');
      expect(paused).toBeInstanceOf(RetryLaterError);
      expect(standin.sendRequests()).toHaveLength(1);
      expect(await client.send('chatrooms', txt(), signal())).toBeDefined();
    });

    test('When users get 403 "message send reach limit", then it is retried later with full jitter over the minute window (capped at 60 s)', async () => {
      const { client } = build();
      standin.respond({ status: 403, body: { error: 'message_send_error', error_description: 'message send reach limit' } });

      const error = (await client.send('users', txt(), signal()).catch((e: unknown) => e)) as RetryLaterError;

      expect(error).toBeInstanceOf(RetryLaterError);
      expect(error.retryAfterMs).toBe(30_000);
    });

    test('When the plan limit is reached (429 resource_limited), then it is permanent with the description', async () => {
      const { client } = build();
      standin.setPlan('community');

      const error = await client.send('users', txt(), signal()).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(PermanentSinkError);
      expect((error as Error).message).toContain('resource_limited: You have exceeded the limit of the community edition');
    });

    test.each([
      [{ status: 404, body: { error: 'service_resource_not_found', error_description: 'not found' } }, 'HTTP 404'],
      [{ status: 413, body: { error: 'request_entity_too_large', error_description: 'too large' } }, 'HTTP 413'],
      [{ status: 415, body: { error: 'unsupported_media_type', error_description: 'wrong type' } }, 'HTTP 415'],
      [{ status: 403, body: { error: 'forbidden_op', error_description: 'feature not enabled' } }, 'HTTP 403'],
    ])('When Easemob answers %j, then it is permanent', async (reply, text) => {
      const { client } = build();
      standin.respond(reply);

      const error = await client.send('users', txt(), signal()).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(PermanentSinkError);
      expect((error as Error).message).toContain(text);
      expect((error as Error).message).toContain(reply.body.error_description);
    });

    test('When the message is too large for Easemob, then it is permanent with "message is too large"', async () => {
      const { client } = build();

      const error = await client.send('users', { ...txt(), body: { msg: 'x'.repeat(6000) } }, signal()).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(PermanentSinkError);
      expect((error as Error).message).toBe("Easemob users send: HTTP 400 message_send_error: message is too large");
    });

    test.each([500, 502, 503, 504, 408])('When Easemob answers %i, then it is retryable (not permanent, not a quota wait)', async (status) => {
      const { client } = build();
      standin.respond({ status, body: { error: 'server_error', error_description: 'boom' } });

      const error = await client.send('users', txt(), signal()).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(PermanentSinkError);
      expect(error).not.toBeInstanceOf(RetryLaterError);
    });

    test('When Easemob does not answer in time, then the send fails as retryable with the timeout', async () => {
      const { client } = build({ requestTimeoutMs: 200 });
      await client.send('users', txt(), signal());
      standin.respond({ status: 200, hang: true });

      const error = await client.send('users', txt(), signal()).catch((e: unknown) => e);

      expect((error as Error).message).toBe('Easemob users send got no answer within 200 ms');
      expect(error).not.toBeInstanceOf(PermanentSinkError);
    });

    test('When the caller aborts, then the send rejects with the abort reason', async () => {
      const { client } = build();
      standin.respond({ status: 200, hang: true });
      const controller = new AbortController();

      const pending = client.send('users', txt(), controller.signal).catch((e: unknown) => e);
      await until(() => standin.sendRequests().length > 0);
      controller.abort(new Error('sink timeout'));

      expect(((await pending) as Error).message).toBe('sink timeout');
    });
  });
});
