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
    const [later, before] = [new Error('the read was stopped'), new Error('stopped before')];
    const stopped = new AbortController();
    stopped.abort(before);

    caller.abort(later);

    expect(call.signal.reason).toBe(later);
    expect(callSignal(stopped.signal, 10_000).signal.reason).toBe(before);
  });

  test('When the call settled, then nothing of it is left: no timer to fire, no listener on the caller’s signal', () => {
    const caller = new AbortController();
    const call = callSignal(caller.signal, 10_000);
    expect(jest.getTimerCount()).toBe(1);
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(1);

    call.done();

    expect(jest.getTimerCount()).toBe(0);
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
    jest.advanceTimersByTime(20_000);
    caller.abort(new Error('stopped after the answer'));
    expect(call.signal.aborted).toBe(false);
  });
});
