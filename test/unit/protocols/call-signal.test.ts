import { getEventListeners } from 'node:events';
import { callSignal } from '../../../src/protocols/call-signal';

describe('callSignal', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test('When the time runs out before the call settles, then its signal aborts with a TimeoutError', () => {
    const call = callSignal(undefined, 10_000);

    jest.advanceTimersByTime(9_999);
    expect(call.signal.aborted).toBe(false);
    jest.advanceTimersByTime(1);
    expect(call.signal.aborted).toBe(true);
    expect(call.signal.reason).toMatchObject({ name: 'TimeoutError' });
  });

  test('When the caller stops, then the call’s signal aborts with the caller’s reason, at once or later', () => {
    const caller = new AbortController();
    const call = callSignal(caller.signal, 10_000);
    const stopped = new AbortController();
    stopped.abort(new Error('stopped before'));

    caller.abort(new Error('the read was stopped'));

    expect(call.signal.reason).toEqual(new Error('the read was stopped'));
    expect(callSignal(stopped.signal, 10_000).signal.reason).toEqual(new Error('stopped before'));
  });

  test('When the call settled, then nothing of it is left: no timer to fire, no listener on the caller’s signal', () => {
    const caller = new AbortController();
    const call = callSignal(caller.signal, 10_000);

    call.done();

    expect(jest.getTimerCount()).toBe(0);
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
    jest.advanceTimersByTime(20_000);
    caller.abort(new Error('stopped after the answer'));
    expect(call.signal.aborted).toBe(false);
  });
});
