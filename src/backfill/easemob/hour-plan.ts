import { hourMs } from './history-file';

/** One hour row to record: a single hour, or (`expired`) a run of hours already past the retention, recorded as one unfillable row. */
export interface PlannedHours {
  readonly fromAt: number;
  readonly untilAt: number;
  readonly expired: boolean;
}

/**
 * The hour rows to record at `now`, after the last recorded one (which ended at `lastUntil`): every
 * hour whose file is due (hour end + `delayMs`), in order, those already past `retentionMs` merged
 * into one. With no row yet (the first start), the current hour, recorded at once, so a restart
 * before its file is due still knows where the reconciliation began; no older history is read.
 */
export function hoursToRecord(lastUntil: number | undefined, now: number, delayMs: number, retentionMs: number): PlannedHours[] {
  if (lastUntil === undefined) {
    const current = Math.floor(now / hourMs) * hourMs;
    return [{ fromAt: current, untilAt: current + hourMs, expired: false }];
  }
  const planned: PlannedHours[] = [];
  let hour = lastUntil;
  // The first hour whose file Easemob still keeps (an hour is kept until its end + the retention).
  const firstKept = Math.floor((now - retentionMs - hourMs) / hourMs) * hourMs + hourMs;
  if (hour < firstKept) {
    planned.push({ fromAt: hour, untilAt: firstKept, expired: true });
    hour = firstKept;
  }
  for (; hour + hourMs + delayMs <= now; hour += hourMs) planned.push({ fromAt: hour, untilAt: hour + hourMs, expired: false });
  return planned;
}
