import type { Event } from '../../../src/events/event';
import { createAcceptor, PipelineUnavailable } from '../../../src/pipeline/accept';
import { createRecentIds } from '../../../src/pipeline/recent-ids';
import { openSpool } from '../../../src/pipeline/spool';
import type { Intake } from '../../../src/vendors/vendor';

const body = JSON.stringify({ text: 'x'.repeat(1000) });
const event = (id: string): Event => ({
  attributes: { specversion: '1.0', id, source: 'tencent-im/1', type: 't', time: '2026-01-01T00:00:00.000Z', datacontenttype: 'application/json', fromaccount: 'alice' },
  data: body,
  message: '{"version":1}',
});
const intake = (id: string): Intake => ({ kind: 'event', label: 'l', event: event(id), facts: { platform: 'other', msgTypes: [], sendFailed: false } });
const request = { vendor: 'tencent', head: () => ({ query: 'a=1' }), body: Buffer.from(body), receivedAt: 1 };

describe('accept', () => {
  test('When direct mode has no spooled sink that wants the event, then the spool keeps only the id and the envelope, and a resend is still a duplicate', async () => {
    const spool = openSpool({ path: ':memory:', sinks: [] });
    const accept = createAcceptor({ spool, deliverNow: async () => undefined, spoolWants: () => false });

    const outcomes = [await accept(intake('e1'), request), await accept(intake('e1'), request)];
    const row = spool.admin.events(1)[0] as { data: string; message: string | null; attributes: string };
    spool.close();

    expect(outcomes.map((o) => o.kind)).toEqual(['accepted', 'duplicate']);
    expect(row.data).toBe('null');
    expect(row.message).toBeNull();
    expect(JSON.parse(row.attributes)).toEqual({ specversion: '1.0', id: 'e1', source: 'tencent-im/1', type: 't', time: '2026-01-01T00:00:00.000Z', datacontenttype: 'application/json' });
  });

  test('When direct mode keeps recent ids in memory, then an event no spooled sink wants is de-duplicated there and never written to the spool', async () => {
    const spool = openSpool({ path: ':memory:', sinks: [] });
    const recentIds = createRecentIds({ max: 100, ttlMs: 600_000, clock: () => 0 });
    let fail = true;
    const accept = createAcceptor({
      spool,
      deliverNow: async () => {
        if (fail) throw new PipelineUnavailable('sink', 'down');
      },
      spoolWants: () => false,
      recentIds,
    });

    const first = await accept(intake('m1'), request).catch((error: unknown) => error);
    fail = false;
    const outcomes = [await accept(intake('m1'), request), await accept(intake('m1'), request)];
    const rows = spool.admin.stats().events;
    spool.close();

    // The failed delivery was forgotten, so the resend is a fresh attempt; then a repeat is a duplicate.
    expect(first).toBeInstanceOf(PipelineUnavailable);
    expect(outcomes.map((o) => o.kind)).toEqual(['accepted', 'duplicate']);
    expect(rows).toBe(0);
    expect(recentIds.size).toBe(1);
  });

  test('When a spooled sink wants the event, then the whole event is kept for it', async () => {
    const spool = openSpool({ path: ':memory:', sinks: ['later'] });
    const accept = createAcceptor({ spool, deliverNow: async () => undefined, spoolWants: () => true });

    await accept(intake('e2'), request);
    const [due] = spool.due('later', Number.MAX_SAFE_INTEGER, 10);
    spool.close();

    expect(due?.event.data).toBe(body);
    expect(due?.event.message).toBe('{"version":1}');
  });

  test('When the direct write fails, then the event is forgotten (a resend is a new attempt) and the failure is a pipeline error', async () => {
    const spool = openSpool({ path: ':memory:', sinks: [] });
    let fail = true;
    const accept = createAcceptor({
      spool,
      deliverNow: async () => {
        if (fail) throw new PipelineUnavailable('sink', 'required sink x did not take the event; retry later');
      },
      spoolWants: () => false,
    });

    const first = await accept(intake('e3'), request).catch((error: unknown) => error);
    fail = false;
    const resend = await accept(intake('e3'), request);
    spool.close();

    expect(first).toBeInstanceOf(PipelineUnavailable);
    expect(resend.kind).toBe('accepted');
  });

  test('When a body is invalid, then it is quarantined with the head and answered quarantined', async () => {
    const spool = openSpool({ path: ':memory:', sinks: [] });
    const accept = createAcceptor({ spool });

    const outcome = await accept({ kind: 'invalid', label: 'l', reason: 'malformed_json', detail: 'bad' }, request);
    const row = (({ vendor, reason, head }) => ({ vendor, reason, head }))(spool.admin.quarantineRows()[0]!);
    spool.close();

    expect(outcome).toEqual({ kind: 'quarantined', detail: 'bad' });
    expect(row).toEqual({ vendor: 'tencent', reason: 'malformed_json', head: JSON.stringify({ query: 'a=1' }) });
  });

  test('When events are accepted, then the ingest guard is told the time of each new spool commit only: not duplicates, not a required sink\'s write, not events kept in memory', async () => {
    const spool = openSpool({ path: ':memory:', sinks: ['later'] });
    let now = 0;
    const observed: number[] = [];
    const guard = { now: () => now, observe: (startedAt: number) => void observed.push(now - startedAt) };
    const recentIds = createRecentIds({ max: 100, ttlMs: 600_000, clock: () => 0 });
    // A required sink that takes 500 ms of the guard's clock: none of it is a commit's time.
    const deliverNow = async () => {
      now += 500;
    };
    const accept = createAcceptor({ spool, deliverNow, spoolWants: (e) => e.attributes.id !== 'memory-only', recentIds, guard });

    const outcomes = [await accept(intake('new'), request), await accept(intake('new'), request), await accept(intake('memory-only'), request)];
    spool.close();

    expect(outcomes.map((o) => o.kind)).toEqual(['accepted', 'duplicate', 'accepted']);
    expect(observed).toEqual([0]);
  });
});
