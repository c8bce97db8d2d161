import type { Event } from '../../src/events/event';
import { guardSink } from '../../src/sinks/guard';
import { BatchError, PermanentSinkError, type Sink } from '../../src/sinks/sink';
import { until } from './wait';

export interface ContractTarget {
  /** Builds a fresh sink pointed at the target (the suite guards it as the registry does). */
  makeSink(): Promise<Sink>;
  /** The CloudEvents stored at the target (parsed), in the target's order. */
  readBack(): Promise<Record<string, unknown>[]>;
  /** Whether the target drops a second copy of an event id (NATS Msg-Id, PostgreSQL key, …). */
  readonly dedupes: boolean;
  /** Takes the target down and brings it back (same data). */
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** Optional parts of the contract, for targets where they apply. */
export interface ContractOptions {
  /**
   * Turns a good event into one the target can never take (over its size limit, refused by a
   * constraint, …). The contract then checks that a batch with it in the middle reports that event
   * alone as permanently failed (a `BatchError`) and stores its neighbours.
   */
  readonly poison?: (event: Event) => Event;
}

let counter = 0;
/** Events shaped like the gateway's, with unique ids. */
export function contractEvents(count: number): Event[] {
  return Array.from({ length: count }, () => {
    counter += 1;
    const id = `contract-${process.pid}-${Date.now()}-${counter}`;
    return {
      attributes: {
        specversion: '1.0',
        id,
        source: 'tencent-im/1400000001',
        type: 'com.tencent.im.C2C.CallbackAfterSendMsg',
        time: '2026-01-01T00:00:01.000Z',
        datacontenttype: 'application/json',
        vendor: 'tencent',
        command: 'C2C.CallbackAfterSendMsg',
        appid: '1400000001',
        fromaccount: 'user_alice',
        toaccount: 'user_bob',
        convtype: 'c2c',
        messageid: `${counter}_1_1767225601`,
        elementkinds: 'text',
        sendfailed: false,
        sdkappid: '1400000001',
        msgkey: `${counter}_1_1767225601`,
        msgtime: '1767225601',
      },
      data: `{"MsgKey":"${counter}_1_1767225601","Big":12345678901234567890,"Text":"héllo 👋"}`,
    };
  });
}

const signal = (ms = 5000) => AbortSignal.timeout(ms);
const ids = (records: Record<string, unknown>[]) => records.map((r) => r.id as string);

/**
 * The one compliance suite every sink passes: delivery of one event and of a batch (content intact),
 * idempotence on a repeated id where the target supports it, failure when the target is down, recovery
 * when it is back, flush on close, a prompt rejection on an aborted signal, and a valid name.
 */
export function describeSinkContract(title: string, target: () => ContractTarget, options: ContractOptions = {}): void {
  describe(`${title} › sink contract`, () => {
    let sink: Sink;
    let t: ContractTarget;
    beforeEach(async () => {
      t = target();
      const made = await t.makeSink();
      sink = guardSink(made, made.name);
    });
    afterEach(async () => {
      await t.start().catch(() => undefined);
      await sink.close();
    });

    test('When one event is written, then the target holds it once with its content intact', async () => {
      const [event] = contractEvents(1);

      await sink.write([event!], signal());

      const stored = (await t.readBack()).filter((r) => r.id === event!.attributes.id);
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({ ...event!.attributes, data: { MsgKey: expect.any(String), Text: 'héllo 👋' } });
    });

    test('When a batch of 50 is written, then all 50 arrive, in order', async () => {
      const batch = contractEvents(50);

      await sink.write(batch, signal());

      const stored = ids(await t.readBack());
      const wanted = batch.map((e) => e.attributes.id);
      expect(stored.filter((id) => wanted.includes(id))).toEqual(wanted);
    });

    test('When the same batch is written twice, then the target keeps one record per event where it de-duplicates', async () => {
      const batch = contractEvents(5);

      await sink.write(batch, signal());
      await sink.write(batch, signal());

      const stored = ids(await t.readBack()).filter((id) => batch.some((e) => e.attributes.id === id));
      expect(stored).toHaveLength(t.dedupes ? 5 : 10);
    });

    test('When the target is down, then a write rejects; when it is back, writing succeeds again', async () => {
      await sink.write(contractEvents(1), signal());
      await t.stop();

      await expect(sink.write(contractEvents(1), signal(3000))).rejects.toBeDefined();

      await t.start();
      const [later] = contractEvents(1);
      await eventually(() => sink.write([later!], signal(3000)));
      // The reading client reconnects in the background too.
      await eventually(async () => expect(ids(await t.readBack())).toContain(later!.attributes.id));
    });

    test('When the sink is closed after a write, then the events are at the target and close can be called again', async () => {
      const batch = contractEvents(3);

      await sink.write(batch, signal());
      await sink.close();
      await sink.close();

      expect(ids(await t.readBack())).toEqual(expect.arrayContaining(batch.map((e) => e.attributes.id)));
    });

    test('When the signal is already aborted, then the write rejects at once', async () => {
      const controller = new AbortController();
      controller.abort(new Error('stop'));

      const started = Date.now();
      await expect(sink.write(contractEvents(1), controller.signal)).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(500);
    });

    if (options.poison) {
      const poison = options.poison;
      test('When one event of a batch can never be stored, then only it fails, permanently, and the others are stored', async () => {
        const [before, bad, after] = contractEvents(3) as Event[];

        const outcome = await sink.write([before!, poison(bad!), after!], signal()).then(() => undefined, (error: unknown) => error);

        expect(outcome).toBeInstanceOf(BatchError);
        expect([...(outcome as BatchError).failures.keys()]).toEqual([1]);
        expect((outcome as BatchError).failures.get(1)).toBeInstanceOf(PermanentSinkError);
        const stored = ids(await t.readBack());
        expect(stored).toEqual(expect.arrayContaining([before!.attributes.id, after!.attributes.id]));
        expect(stored).not.toContain(bad!.attributes.id);
      });
    }

    test('When the name is read, then it is a valid metric label value', () => {
      expect(sink.name).toMatch(/^[a-z][a-z0-9_-]{0,31}$/);
    });
  });
}

/** Retries `attempt` until it resolves (clients reconnect in the background) or 15 s pass. */
function eventually(attempt: () => Promise<unknown>): Promise<void> {
  return until(() => attempt().then(() => true), { timeoutMs: 15_000, what: 'the target answered again after its server came back' });
}
