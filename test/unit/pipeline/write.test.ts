import type { Event } from '../../../src/events/event';
import { attemptWrite } from '../../../src/pipeline/write';
import { BatchError, type Sink } from '../../../src/sinks/sink';

const events = ['a', 'b', 'c'].map((id) => ({ attributes: { id }, data: '{}' }) as unknown as Event);

function sinkWith(write: Sink['write']): Sink & { signals: AbortSignal[] } {
  const signals: AbortSignal[] = [];
  return {
    name: 'test',
    signals,
    write: (batch, signal) => {
      signals.push(signal);
      return write(batch, signal);
    },
    close: async () => undefined,
  };
}

describe('attemptWrite', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test('When the write succeeds, then nothing failed and no timer is left behind for the time-out', async () => {
    const sink = sinkWith(async () => undefined);

    const result = await attemptWrite(sink, events, 10_000);

    expect(result.failures.size).toBe(0);
    expect(result.timedOut).toBe(false);
    expect(jest.getTimerCount()).toBe(0);
    expect(sink.signals[0]?.aborted).toBe(false);
  });

  test('When the write fails, then every event failed with its error and no timer is left behind', async () => {
    const error = new Error('refused');
    const result = await attemptWrite(
      sinkWith(async () => Promise.reject(error)),
      events,
      10_000,
    );

    expect([...result.failures]).toEqual([
      [0, error],
      [1, error],
      [2, error],
    ]);
    expect(jest.getTimerCount()).toBe(0);
  });

  test('When the sink names failed events, then only those failed (indexes outside the batch are ignored)', async () => {
    const result = await attemptWrite(
      sinkWith(async () => Promise.reject(new BatchError(new Map([[1, new Error('row 1')], [7, new Error('not in the batch')]]) ))),
      events,
      10_000,
    );

    expect([...result.failures.keys()]).toEqual([1]);
    expect(result.timedOut).toBe(false);
  });

  test('When the sink ignores its signal and never answers, then the write times out: all failed, the signal aborted with a TimeoutError', async () => {
    const sink = sinkWith(() => new Promise<void>(() => undefined));

    const pending = attemptWrite(sink, events, 5_000);
    await jest.advanceTimersByTimeAsync(4_999);
    expect(sink.signals[0]?.aborted).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    const result = await pending;

    expect(result.timedOut).toBe(true);
    expect([...result.failures.values()].map((reason) => (reason as Error).message)).toEqual(Array(3).fill('timed out after 5000 ms'));
    expect(sink.signals[0]?.aborted).toBe(true);
    expect((sink.signals[0]?.reason as DOMException).name).toBe('TimeoutError');
  });
});
