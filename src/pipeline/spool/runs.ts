/**
 * Seqs in ascending order as runs of consecutive numbers, `[first, last]` each: a statement per run
 * (`seq BETWEEN ? AND ?`) instead of one per seq. A redrive or a replay queues whole ranges of the log,
 * so a slice of a hundred retried events is usually one run.
 */
export function runsOf(seqs: readonly number[]): [first: number, last: number][] {
  const runs: [number, number][] = [];
  for (const seq of seqs) {
    const last = runs[runs.length - 1];
    if (last !== undefined && seq === last[1] + 1) last[1] = seq;
    else runs.push([seq, seq]);
  }
  return runs;
}
