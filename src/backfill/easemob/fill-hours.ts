import type { BackfillPageIntake, FetchedOutcome, FillResult } from '../fill-sequence-gaps';
import type { WindowFiller } from '../window-filler';
import { EasemobHistoryError, hourMs, type EasemobHistory } from './history-file';
import { callbackBodyOf } from './history-record';
import { writePages } from '../page-writer';

export const historyFileApi = 'easemob/chatmessages';

/** What reading hour files needs besides the intake: the client, the App Key, when a file is due and how long Easemob keeps it. */
export interface EasemobHourReader {
  readonly history: EasemobHistory;
  readonly appKey: string;
  /** From the end of an hour until its file is expected. */
  readonly delayMs: number;
  /** How long Easemob keeps the files (3 days unless extended by contract). */
  readonly retentionMs: number;
}

type Counts = Record<FetchedOutcome | 'placeholder', number>;
type HourState = { state: FillResult['state']; note: string };

const iso = (at: number) => new Date(at).toISOString();

/** Reads one hour's file into the intake; `within` keeps only messages sent in that window. */
async function readHour(reader: EasemobHourReader, hour: number, counts: Counts, deps: { intake: BackfillPageIntake; signal: AbortSignal; clock: () => number; within?: { fromAt: number; untilAt: number } }): Promise<HourState> {
  const name = iso(hour).slice(0, 13);
  if (hour + hourMs + reader.delayMs > deps.clock()) return { state: 'open', note: `the file of ${name}h is not due before ${iso(hour + hourMs + reader.delayMs)}` };
  const expired = hour + hourMs + reader.retentionMs <= deps.clock();
  if (expired) return { state: 'unfillable', note: `${name}h is beyond Easemob's retention of history files` };
  const file = await reader.history.locate(hour, deps.signal);
  if (file.kind === 'none') return { state: 'filled', note: `${name}h: no history file (no message that hour)` };
  if (file.kind !== 'url') return { state: 'open', note: `${name}h: the history file is not stored yet (${file.detail})` };
  const records = reader.history.messages(file.url, deps.signal);
  const { within } = deps;
  async function* bodies() {
    for await (const record of records) {
      if (within && (record.timestamp < within.fromAt || record.timestamp >= within.untilAt)) continue;
      yield callbackBodyOf(record, reader.appKey);
    }
  }
  try {
    // The file's messages go to the intake a page at a time (one spool write each); the hour is read once they are stored.
    await writePages(bodies(), { intake: deps.intake, vendor: 'easemob', api: historyFileApi, query: new URLSearchParams(), counts });
  } catch (error) {
    // Reading the same file again gives the same refusal: say why and stop trying (an operator can raise the limit and ask again).
    if (error instanceof EasemobHistoryError && (error.failure === 'too-large' || error.failure === 'malformed')) return { state: 'unfillable', note: `${name}h: ${error.message}` };
    throw error;
  }
  return { state: 'filled', note: `${name}h read` };
}

/** The hours (their starts) that cover `[fromAt, untilAt)`. */
export function hoursCovering(fromAt: number, untilAt: number): number[] {
  const hours: number[] = [];
  for (let hour = Math.floor(fromAt / hourMs) * hourMs; hour < untilAt; hour += hourMs) hours.push(hour);
  return hours;
}

/**
 * Fills `[fromAt, untilAt)` from the hour files that cover it: every message of those hours (of the
 * window only, with `within`) goes through the intake as the post-send callback Easemob would have
 * POSTed, so what the spool has is a duplicate. `filled` when every hour was read (or had no file);
 * `open` while an hour's file is not due or not stored yet (tried again later); `unfillable` when an
 * hour is past the retention or its file is refused (too large, not the documented format).
 * Throws on an API failure (refused, rate-limited, unreachable, cut short): tried again later.
 */
export async function fillEasemobHours(reader: EasemobHourReader, span: { fromAt: number; untilAt: number }, deps: { intake: BackfillPageIntake; signal: AbortSignal; clock: () => number; within?: boolean }): Promise<FillResult> {
  const counts: Counts = { accepted: 0, duplicate: 0, invalid: 0, ignored: 0, placeholder: 0 };
  const states: HourState[] = [];
  for (const hour of hoursCovering(span.fromAt, span.untilAt)) {
    deps.signal.throwIfAborted();
    states.push(await readHour(reader, hour, counts, { intake: deps.intake, signal: deps.signal, clock: deps.clock, ...(deps.within ? { within: span } : {}) }));
  }
  const state = states.some((s) => s.state === 'open') ? 'open' : states.some((s) => s.state === 'unfillable') ? 'unfillable' : 'filled';
  const unread = states.filter((s) => s.state !== 'filled').map((s) => s.note);
  const tally = `${counts.accepted} fetched, ${counts.duplicate} already stored${counts.invalid + counts.ignored > 0 ? `, ${counts.invalid} invalid, ${counts.ignored} ignored` : ''}`;
  return { state, note: [tally, ...(unread.length > 0 ? unread : states.map((s) => s.note))].join('; ').slice(0, 1000), counts };
}

/** The Easemob filler of outage windows: reads the hour files covering the window, keeping the window's messages. */
export function easemobWindowFiller(reader: EasemobHourReader): WindowFiller {
  return (window, deps) => fillEasemobHours(reader, window, { ...deps, within: true });
}
