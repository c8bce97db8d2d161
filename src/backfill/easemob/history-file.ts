import { Readable, pipeline } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createGunzip } from 'node:zlib';
import { untilAborted, type AppTokens } from '../../protocols/easemob-app-token';
import type { Quota } from '../quota';
import { boundedJson, LineLimitError, lines } from './bounded-read';
import { historyRecord, type HistoryRecord } from './history-record';

export const hourMs = 3_600_000;

/** Why reading an hour failed: `refused`/`unreachable` may pass (tried again), `too-large`/`malformed` will not. */
export type HistoryFailure = 'refused' | 'rate' | 'unreachable' | 'truncated' | 'too-large' | 'malformed';

export class EasemobHistoryError extends Error {
  constructor(readonly failure: HistoryFailure, message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** Where an hour's file is: a download URL, `none` (404: no file, no message that hour), or `not-stored` (400: not written yet, or expired). */
export type HourFile = { readonly kind: 'url'; readonly url: string } | { readonly kind: 'none' | 'not-stored'; readonly detail: string };

export interface EasemobHistorySettings {
  /** `https://{host}` of the app's cluster. */
  readonly url: string;
  readonly org: string;
  readonly app: string;
  /** Hours are named in Beijing time on Chinese clusters, in UTC on the others. */
  readonly timeZone: 'Asia/Shanghai' | 'UTC';
  /** Most bytes read from one file, unpacked (a gzip bomb or an endless answer stops there). */
  readonly maxFileBytes: number;
  /** Longest line (one message) accepted, in bytes. */
  readonly maxLineBytes?: number;
  readonly timeoutMs?: number;
}

/** The `{time}` of the request, `yyyyMMddHH` of the hour starting at `hourStart` in the cluster's zone. */
export function hourName(hourStart: number, timeZone: 'Asia/Shanghai' | 'UTC'): string {
  const shifted = new Date(hourStart + (timeZone === 'UTC' ? 0 : 8 * hourMs));
  return shifted.toISOString().slice(0, 13).replace(/[-T]/g, '');
}

/**
 * The history-file API (`GET /{org}/{app}/chatmessages/{yyyyMMddHH}` with the app token, behind the
 * quota; documented limit 10 calls a minute per App Key) and the download of the file it points to:
 * streamed, unpacked and split into lines as it arrives, so memory holds one line, never the file.
 */
export function createEasemobHistory(settings: EasemobHistorySettings, deps: { tokens: AppTokens; quota: Quota }) {
  const base = `${settings.url.replace(/\/$/, '')}/${encodeURIComponent(settings.org)}/${encodeURIComponent(settings.app)}`;
  const timeoutMs = settings.timeoutMs ?? 30_000;
  const maxLine = settings.maxLineBytes ?? 1024 * 1024;

  async function ask(name: string, signal: AbortSignal, again: boolean): Promise<HourFile> {
    // A stop does not wait for the quota (a call may be a minute away).
    await untilAborted(deps.quota.take(signal), signal);
    const token = await untilAborted(deps.tokens.get(signal), signal);
    let response: Response;
    try {
      response = await fetch(`${base}/chatmessages/${name}`, { headers: { accept: 'application/json', authorization: `Bearer ${token}` }, signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) });
    } catch (error) {
      signal.throwIfAborted();
      throw new EasemobHistoryError('unreachable', `Easemob chatmessages/${name} failed: ${(error as Error).message}`, { cause: error });
    }
    // The answer is a URL and a few fields: anything past 64 KiB is not read.
    const json = (await boundedJson(response, 64 * 1024)) as { data?: { url?: unknown }[]; error?: unknown; error_description?: unknown };
    const said = `HTTP ${response.status} ${String(json.error ?? '')} ${String(json.error_description ?? '').slice(0, 300)}`.trim();
    if (response.status === 401 && !again) {
      deps.tokens.invalidate(token);
      return ask(name, signal, true);
    }
    const url = Array.isArray(json.data) ? json.data[0]?.url : undefined;
    if (response.ok && typeof url === 'string' && /^https?:\/\//.test(url)) return { kind: 'url', url };
    if (response.status === 404 && json.error === 'storage_object_not_found') return { kind: 'none', detail: said };
    if (response.status === 400 && /expired or unstored/i.test(String(json.error_description))) return { kind: 'not-stored', detail: said };
    if (response.status === 429) throw new EasemobHistoryError('rate', `Easemob chatmessages/${name}: ${said}`);
    throw new EasemobHistoryError('refused', `Easemob chatmessages/${name}: ${response.ok ? 'answer without a download url' : said}`);
  }

  return {
    /** Where the file of the hour starting at `hourStart` is (one API call). */
    locate(hourStart: number, signal: AbortSignal): Promise<HourFile> {
      return ask(hourName(hourStart, settings.timeZone), signal, false);
    },
    /** Every message of the file at `url`, in file order; throws an `EasemobHistoryError` for a file that cannot be read. */
    async *messages(url: string, signal: AbortSignal): AsyncGenerator<HistoryRecord> {
      let response: Response;
      try {
        response = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(10 * timeoutMs)]) });
      } catch (error) {
        signal.throwIfAborted();
        throw new EasemobHistoryError('unreachable', `the history file download failed: ${(error as Error).message}`, { cause: error });
      }
      if (!response.ok || response.body === null) {
        await response.body?.cancel();
        throw new EasemobHistoryError('refused', `the history file download answered HTTP ${response.status} (the link may have expired)`);
      }
      const unpacked = pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), createGunzip(), () => undefined);
      try {
        for await (const { line, n } of lines(unpacked, { maxBytes: settings.maxFileBytes, maxLine })) {
          if (line.trim() === '') continue;
          yield parseLine(line, n);
        }
      } catch (error) {
        signal.throwIfAborted();
        if (error instanceof EasemobHistoryError) throw error;
        if (error instanceof LineLimitError) {
          throw error.limit === 'total'
            ? new EasemobHistoryError('too-large', `the history file is ${error.message} unpacked (BACKFILL_EASEMOB_MAX_FILE)`)
            : new EasemobHistoryError('malformed', `${error.message} in the history file`);
        }
        const code = (error as NodeJS.ErrnoException).code ?? '';
        const failure = code === 'Z_BUF_ERROR' || code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' ? 'truncated' : code.startsWith('Z_') ? 'malformed' : 'truncated';
        throw new EasemobHistoryError(failure, `the history file could not be read (${failure === 'malformed' ? 'not gzip' : 'cut short'}): ${(error as Error).message}`, { cause: error });
      } finally {
        unpacked.destroy();
      }
    },
  };
}

function parseLine(line: string, n: number): HistoryRecord {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    throw new EasemobHistoryError('malformed', `line ${n} of the history file is not JSON`);
  }
  const parsed = historyRecord.safeParse(json);
  if (!parsed.success) throw new EasemobHistoryError('malformed', `line ${n} of the history file is not a message record: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ').slice(0, 300)}`);
  return parsed.data;
}

export type EasemobHistory = ReturnType<typeof createEasemobHistory>;
