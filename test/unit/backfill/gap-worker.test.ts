import { createGapWorker, type PassResult } from '../../../src/backfill/gap-worker';
import { holdsWithin, until } from '../../helpers/wait';

describe('the backfill worker', () => {
  test('When a pass leaves a window waiting for the vendor, then it runs again after the wait, and not again once nothing waits', async () => {
    const results: PassResult[] = [{ failed: false, waiting: true }, { failed: false, waiting: false }];
    let calls = 0;
    const worker = createGapWorker(async () => results[calls++] ?? { failed: false }, { retryMs: 60_000, waitMs: 20 });

    worker.trigger();
    await until(() => calls === 2, { what: 'the second pass after the wait' });
    const third = await holdsWithin(() => calls > 2, 300);
    await worker.stop();

    expect(calls).toBe(2);
    expect(third).toBe(false);
  });

  test('When the worker is stopped while a pass waits for the vendor, then no pass runs after the stop', async () => {
    let calls = 0;
    const worker = createGapWorker(async () => (calls++, { failed: false, waiting: true }), { waitMs: 50 });

    worker.trigger();
    await until(() => calls === 1);
    await worker.stop();
    const after = await holdsWithin(() => calls > 1, 300);

    expect(after).toBe(false);
  });
});
