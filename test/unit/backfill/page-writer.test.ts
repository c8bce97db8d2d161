import type { BackfillPageIntake, FetchedOutcome } from '../../../src/backfill/fill-sequence-gaps';
import { pagesStoring, writePages } from '../../../src/backfill/page-writer';
import { until } from '../../helpers/wait';

const counts = (): Record<FetchedOutcome, number> => ({ accepted: 0, duplicate: 0, invalid: 0, ignored: 0 });
async function* numbered(n: number, failAfter?: Error) {
  for (let i = 1; i <= n; i += 1) yield { n: i };
  if (failAfter) throw failAfter;
}
const deps = (intake: BackfillPageIntake, tally = counts()) => ({ intake, vendor: 'netease', api: 'netease/querySessionMsg', query: new URLSearchParams('a=1'), counts: tally, pageSize: 10 });

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

  test('When pages wait for their commit, then the next ones are read and handed over meanwhile, up to pagesStoring waiting, and it resolves only once all are stored', async () => {
    let handedOver = 0;
    let handedOverWhenFirstStored = 0;
    let stored = 0;
    const intake: BackfillPageIntake = async (_vendor, _api, _query, bodies) => {
      handedOver += 1;
      if (handedOver === 1) {
        await until(() => handedOver > pagesStoring, { what: 'pages handed over while the first waits for its commit' });
        handedOverWhenFirstStored = handedOver;
      }
      stored += 1;
      return bodies.map(() => 'accepted' as const);
    };

    await writePages(numbered(60), deps(intake));

    // The first page's commit came once pagesStoring more were handed over, and no more before it.
    expect(handedOverWhenFirstStored).toBe(pagesStoring + 1);
    expect(stored).toBe(6);
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

  test('When the read fails, then the pages read before are stored and counted, and it rejects with the read’s failure after them', async () => {
    const tally = counts();
    let stored = 0;
    const intake: BackfillPageIntake = async (_vendor, _api, _query, bodies) => {
      await until(() => true);
      stored += 1;
      return bodies.map(() => 'accepted' as const);
    };

    await expect(writePages(numbered(25, new Error('the history answered 500')), deps(intake, tally)).finally(() => expect(stored).toBe(2))).rejects.toThrow('the history answered 500');

    // The short last page was not handed over: the read failed before its end.
    expect(tally.accepted).toBe(20);
  });
});
