import type { BackfillPageIntake, FetchedOutcome } from '../../../src/backfill/fill-sequence-gaps';
import { pagesStoring, writePages } from '../../../src/backfill/page-writer';
import { until } from '../../helpers/wait';

const counts = (): Record<FetchedOutcome, number> => ({ accepted: 0, duplicate: 0, invalid: 0, ignored: 0 });
async function* numbered(n: number, failAfter?: { error: Error; then?: () => void }) {
  for (let i = 1; i <= n; i += 1) yield { n: i };
  if (failAfter) {
    failAfter.then?.();
    throw failAfter.error;
  }
}
const deps = (intake: BackfillPageIntake, tally = counts()) => ({ intake, vendor: 'netease', api: 'netease/querySessionMsg', query: new URLSearchParams('a=1'), counts: tally, pageSize: 10 });
/** A gate a fake intake waits on, opened by the test. */
const gate = () => {
  let opened = false;
  return { open: () => void (opened = true), passed: () => until(() => opened, { what: 'the gate opened' }) };
};
/** Whether `promise` has settled, after a few turns of the event loop. */
const settledYet = async (promise: Promise<unknown>): Promise<boolean> => {
  let settled = false;
  promise.then(() => (settled = true), () => (settled = true));
  await until(() => true);
  return settled;
};

describe('writePages', () => {
  test('When bodies are read, then they reach the intake in order, a page of pageSize at a time (the last one shorter), and every outcome is counted', async () => {
    const pages: number[][] = [];
    const tally = counts();
    const intake: BackfillPageIntake = async (vendor, api, query, bodies) => {
      expect([vendor, api, query.get('a')]).toEqual(['netease', 'netease/querySessionMsg', '1']);
      pages.push(bodies.map((body) => body['n'] as number));
      return bodies.map((body) => ((body['n'] as number) % 5 === 0 ? 'duplicate' : 'accepted'));
    };

    await writePages(numbered(25), deps(intake, tally));

    expect(pages.map((page) => [page[0], page.length])).toEqual([[1, 10], [11, 10], [21, 5]]);
    expect(pages.flat()).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(tally).toEqual({ accepted: 20, duplicate: 5, invalid: 0, ignored: 0 });
  });

  test('When pages wait for their commit, then the next ones are read and handed over meanwhile, up to pagesStoring more, and it resolves only once the last is stored', async () => {
    let handedOver = 0;
    let handedOverWhenFirstStored = 0;
    const last = gate();
    const intake: BackfillPageIntake = async (_vendor, _api, _query, bodies) => {
      handedOver += 1;
      if (handedOver === 1) {
        await until(() => handedOver > pagesStoring, { what: 'pages handed over while the first waits for its commit' });
        handedOverWhenFirstStored = handedOver;
      }
      if (handedOver === 6) await last.passed();
      return bodies.map(() => 'accepted' as const);
    };

    const writing = writePages(numbered(60), deps(intake));
    await until(() => handedOver === 6, { what: 'every page handed over' });

    expect(await settledYet(writing)).toBe(false);
    last.open();
    await writing;
    // The first page's commit came once pagesStoring more were handed over, and no more before it.
    expect(handedOverWhenFirstStored).toBe(pagesStoring + 1);
  });

  test('When a page cannot be stored, then it rejects with that failure, once the pages handed over with it have settled', async () => {
    let [started, settled] = [0, 0];
    const intake: BackfillPageIntake = async (_vendor, _api, _query, bodies) => {
      started += 1;
      try {
        if (started === 1) throw new Error('database or disk is full');
        await until(() => started > pagesStoring, { what: 'the pages after the failed one handed over' });
        return bodies.map(() => 'accepted' as const);
      } finally {
        settled += 1;
      }
    };
    let settledWhenRejected = -1;

    await expect(writePages(numbered(100), deps(intake)).finally(() => (settledWhenRejected = settled))).rejects.toThrow('database or disk is full');

    expect(started).toBe(pagesStoring + 1);
    expect(settledWhenRejected).toBe(started);
  });

  test('When one of the last pages cannot be stored, then it rejects, however the read ended', async () => {
    const failingAt = (first: number): BackfillPageIntake => async (_vendor, _api, _query, bodies) => {
      if (bodies[0]?.['n'] === first) throw new Error('database or disk is full');
      return bodies.map(() => 'accepted' as const);
    };

    // The last page, still with the intake when the read ends.
    await expect(writePages(numbered(25), deps(failingAt(21)))).rejects.toThrow('database or disk is full');
    // The last page handed over before the read failed: a spool failure wins over the read's (the
    // window must stay open, whatever the read said, such as an Easemob file taken for malformed).
    await expect(writePages(numbered(25, { error: new Error('the file is malformed') }), deps(failingAt(11)))).rejects.toThrow('database or disk is full');
  });

  test('When the read fails, then it rejects with the read’s failure only after the pages read before are stored and counted', async () => {
    const tally = counts();
    const stores = gate();
    let stored = 0;
    const intake: BackfillPageIntake = async (_vendor, _api, _query, bodies) => {
      await stores.passed();
      stored += 1;
      return bodies.map(() => 'accepted' as const);
    };
    let readFailed = false;

    const writing = writePages(numbered(25, { error: new Error('the history answered 500'), then: () => (readFailed = true) }), deps(intake, tally));
    await until(() => readFailed, { what: 'the read failed' });

    expect(await settledYet(writing)).toBe(false);
    stores.open();
    await expect(writing).rejects.toThrow('the history answered 500');
    // The short last page was not handed over: the read failed before its end.
    expect(stored).toBe(2);
    expect(tally.accepted).toBe(20);
  });

  test('When writers share a pace, then each page handed over rests on it', async () => {
    const rested: number[] = [];
    const pace = { rest: async () => void rested.push(rested.length) };
    const intake: BackfillPageIntake = async (_vendor, _api, _query, bodies) => bodies.map(() => 'accepted' as const);

    await Promise.all([writePages(numbered(25), { ...deps(intake), pace }), writePages(numbered(10), { ...deps(intake), pace })]);

    expect(rested).toHaveLength(3 + 1);
  });
});
