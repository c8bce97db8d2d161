import type { FillHeap } from '../../src/heap';

/** One fill as a recording heap saw it: a stand-in's count of calls when it began and when it ended. */
export interface RecordedFill {
  readonly from: number;
  to?: number;
}

/**
 * A fill heap that records, for each fill, `count()` (a stand-in's calls or downloads so far) when it
 * began and when it ended: the calls made inside fills add up to the sum of `to - from`.
 */
export function recordingHeap(count: () => number): { heap: FillHeap; fills: RecordedFill[]; madeInside: () => number } {
  const fills: RecordedFill[] = [];
  const heap: FillHeap = {
    async during(work) {
      const fill: RecordedFill = { from: count() };
      fills.push(fill);
      try {
        return await work();
      } finally {
        fill.to = count();
      }
    },
  };
  return { heap, fills, madeInside: () => fills.reduce((sum, fill) => sum + ((fill.to ?? count()) - fill.from), 0) };
}
