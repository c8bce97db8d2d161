import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEasemobSink, easemobSinkConfig } from '../../../../src/sinks/relay/easemob/sink';
import type { Sink } from '../../../../src/sinks/sink';
import { neutralMessageEvent, startEasemobStandin, type EasemobStandin } from '../../../helpers/easemob-standin';
import { until } from '../../../helpers/wait';

/**
 * How many copies the relay can send (README, "What can be duplicated"): a 200 is a send whatever its
 * body; a send whose answer never came is made again at most `unansweredResends` times, however many
 * timeouts, aborts or restarts follow; an answered refusal sent nothing and does not count.
 */
describe('easemob relay: the bound on copies', () => {
  const relayKeys = ['duplicates-test-relay-key-0123456789abcdef'];
  let standin: EasemobStandin;
  let dataDir: string;
  let warnings: string[];
  const sinks: Sink[] = [];

  beforeEach(async () => {
    standin = await startEasemobStandin();
    dataDir = mkdtempSync(join(tmpdir(), 'imgw-easemob-dup-'));
    warnings = [];
  });
  afterEach(async () => {
    await Promise.all(sinks.splice(0).map((s) => s.close()));
    await standin.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function sink(settings: Record<string, unknown> = {}): Promise<Sink> {
    const config = easemobSinkConfig.parse({
      type: 'easemob',
      baseUrl: standin.url,
      appKey: standin.appKey,
      clientId: standin.clientId,
      clientSecret: standin.clientSecret,
      targets: { users: { mode: 'same' } },
      requestTimeoutMs: 250,
      ...settings,
    });
    const built = await createEasemobSink(config, { dataDir, relayKeys, logger: { warn: (_fields, message) => warnings.push(message) } });
    sinks.push(built);
    // The token first (its request has the same short timeout): the sends below are what is tested.
    await until(() => built.check!(AbortSignal.timeout(5000)).then(() => true, () => false));
    return built;
  }
  const write = (s: Sink, event = neutralMessageEvent()) => s.write([event], AbortSignal.timeout(10_000)).then(() => 'delivered', (error: Error) => error.message);

  test('When Easemob answers 200 without data, then the send counts as made: never sent again, and the odd answer is logged', async () => {
    const s = await sink({ requestTimeoutMs: 5000 });
    const event = neutralMessageEvent();
    standin.respond({ status: 200, body: { action: 'post' }, acceptThenAnswer: true });

    expect(await write(s, event)).toBe('delivered');
    expect(await write(s, event)).toBe('delivered');

    expect(standin.sendRequests()).toHaveLength(1);
    expect(standin.accepted).toHaveLength(1);
    expect(warnings).toEqual(['Easemob users send answered 200 without data (no message ids); taken as sent']);
  });

  test('When Easemob takes a send but never answers, again and again, then it is made twice at most (one resend) and then taken as sent, unconfirmed', async () => {
    const s = await sink();
    const event = neutralMessageEvent();
    standin.respond(...Array.from({ length: 5 }, () => ({ status: 0, acceptThenHang: true })));

    const outcomes = [await write(s, event), await write(s, event), await write(s, event), await write(s, event)];

    expect(outcomes).toEqual([expect.stringContaining('got no answer within 250 ms'), expect.stringContaining('got no answer within 250 ms'), 'delivered', 'delivered']);
    expect(standin.sendRequests()).toHaveLength(2);
    expect(standin.accepted).toHaveLength(2);
    expect(warnings).toEqual(['Easemob never answered this send; not sending it again (delivery unconfirmed)']);
  });

  test('When unansweredResends is 0, then a send whose answer never came is not made again', async () => {
    const s = await sink({ unansweredResends: 0 });
    const event = neutralMessageEvent();
    standin.respond({ status: 0, acceptThenHang: true });

    expect(await write(s, event)).toMatch(/got no answer/);
    expect(await write(s, event)).toBe('delivered');

    expect(standin.accepted).toHaveLength(1);
  });

  test('When the write is aborted while a call is out, then that call counts as unanswered', async () => {
    const s = await sink({ requestTimeoutMs: 60_000, unansweredResends: 0 });
    const event = neutralMessageEvent();
    standin.hold();
    const controller = new AbortController();

    const first = s.write([event], controller.signal).catch((error: Error) => error);
    await until(() => standin.held() === 1);
    controller.abort(new Error('sink timeout'));
    await first;
    standin.release();

    expect(await write(s, event)).toBe('delivered');
    expect(standin.accepted).toHaveLength(1);
  });

  test('When Easemob refuses a send with an answer (500, 503, 502), then nothing was sent and the resend budget is untouched', async () => {
    const s = await sink({ unansweredResends: 0 });
    const event = neutralMessageEvent();
    standin.respond({ status: 500 }, { status: 503 }, { status: 502 });

    const outcomes = [await write(s, event), await write(s, event), await write(s, event), await write(s, event)];

    expect(outcomes.slice(0, 3)).toEqual([expect.stringContaining('HTTP 500'), expect.stringContaining('HTTP 503'), expect.stringContaining('HTTP 502')]);
    expect(outcomes[3]).toBe('delivered');
    expect(standin.accepted).toHaveLength(1);
  });

  test('When one message goes to a user and three rooms and every answer is lost, then each call is made at most twice, so at most one copy per recipient', async () => {
    const s = await sink({ targets: { users: { mode: 'same' }, chatrooms: ['r1', 'r2', 'r3'] } });
    const event = neutralMessageEvent();
    standin.hold();

    const outcomes: string[] = [];
    for (let round = 0; round < 5; round++) outcomes.push(await write(s, event));
    standin.release();

    expect(outcomes.slice(0, 4).every((outcome) => /got no answer/.test(outcome))).toBe(true);
    expect(outcomes[4]).toBe('delivered');

    const recipients = standin.accepted.flatMap((send) => send.request.to as string[]);
    expect(recipients.sort()).toEqual(['bob', 'bob', 'r1', 'r1', 'r2', 'r2', 'r3', 'r3']);
  });
});
