import fc from 'fast-check';
import type { PodAnswer } from '../../../../src/admin/console/fleet';
import { decodeCursor, mergePages, podQueries, type PodPage } from '../../../../src/admin/console/merge-search';

interface Item {
  readonly seq: number;
  readonly receivedAt: number;
}

/** A pod's search as the admin API pages it: newest first, cursor = the last seq shown, `until` exclusive. */
function podSearch(items: readonly Item[], query: { after?: string; until?: number }, limit: number): PodPage<Item> {
  const matching = items
    .filter((i) => (query.after === undefined || i.seq < Number(query.after)) && (query.until === undefined || i.receivedAt < query.until))
    .sort((a, b) => b.seq - a.seq);
  const page = matching.slice(0, limit);
  return { items: page, ...(matching.length > limit ? { next: String(page[page.length - 1]!.seq) } : {}) };
}

/** Pages through the whole fleet the way the console does, returning every item shown, in order. */
function pageThrough(pods: Record<string, Item[]>, limit: number, down: ReadonlySet<string> = new Set()): { shown: (Item & { pod: string })[]; partial: boolean } {
  const shown: (Item & { pod: string })[] = [];
  let cursorText: string | undefined;
  let partial = false;
  for (let round = 0; round < 1000; round += 1) {
    const cursor = decodeCursor(cursorText);
    const answers: PodAnswer<PodPage<Item>>[] = podQueries(cursor, Object.keys(pods), undefined).map((q) =>
      down.has(q.pod) ? { pod: q.pod, ok: false, error: 'unreachable' } : { pod: q.pod, ok: true, status: 200, data: podSearch(pods[q.pod]!, q, limit) },
    );
    const page = mergePages(cursor, answers);
    partial ||= page.failed.length > 0;
    shown.push(...page.items);
    if (page.next === undefined || page.items.length === 0) break;
    cursorText = page.next;
  }
  return { shown, partial };
}

/** A pod's log: receipt times never go back as seq grows. */
const podLog = fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 25 }).map((gaps) => {
  let t = 1_000;
  return gaps.map((gap, i) => ({ seq: i + 1, receivedAt: (t += gap) }));
});

describe('mergePages', () => {
  test('When three pods are paged through with any page size, then every event appears exactly once, newest first across the fleet', () => {
    fc.assert(
      fc.property(podLog, podLog, podLog, fc.integer({ min: 1, max: 6 }), (a, b, c, limit) => {
        const pods = { a, b, c };

        const { shown } = pageThrough(pods, limit);

        const key = (i: { pod: string; seq: number }) => `${i.pod}#${i.seq}`;
        const expected = Object.entries(pods).flatMap(([pod, items]) => items.map((i) => key({ pod, seq: i.seq })));
        expect(shown.map(key).sort()).toEqual(expected.sort());
        for (let i = 1; i < shown.length; i += 1) expect(shown[i]!.receivedAt).toBeLessThanOrEqual(shown[i - 1]!.receivedAt);
      }),
      { numRuns: 300 },
    );
  });

  test('When a pod does not answer, then the page is marked partial with that pod, and the others are still listed', () => {
    const pods = { a: [{ seq: 1, receivedAt: 5 }], b: [{ seq: 1, receivedAt: 6 }] };

    const { shown, partial } = pageThrough(pods, 10, new Set(['b']));

    expect(partial).toBe(true);
    expect(shown.map((i) => i.pod)).toEqual(['a']);
  });

  test('When the cursor from the browser is not ours, then the search starts from the top', () => {
    expect(decodeCursor('%%%')).toEqual({});
    expect(decodeCursor(Buffer.from('[1]').toString('base64url'))).toEqual({});
  });
});
