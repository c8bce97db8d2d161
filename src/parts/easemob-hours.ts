import type { Logger } from 'pino';
import { easemobWindowFiller, fillEasemobHours, historyFileApi, type EasemobHourReader } from '../backfill/easemob/fill-hours';
import { createEasemobHistory, EasemobHistoryError } from '../backfill/easemob/history-file';
import { hoursToRecord } from '../backfill/easemob/hour-plan';
import { createBackfillPageIntake } from '../backfill/intake';
import type { QuotaSource } from '../backfill/quota';
import { easemobWindowCounter } from '../backfill/easemob/count-window';
import type { WindowFiller } from '../backfill/window-filler';
import type { Config } from '../config';
import type { FillHeap } from '../heap';
import type { Metrics } from '../metrics';
import type { Spool } from '../pipeline/spool';
import type { Gap } from '../pipeline/spool/gaps';
import { createAppTokens } from '../protocols/easemob-app-token';
import type { Vendor } from '../vendors/vendor';
import type { Stops } from './stops';

/** The documented limit of the history-file API, calls a minute per App Key. */
const documentedPerMinute = 10;

/** What the hourly reconciliation lends to windows asked for by hand: their filler, and the dry run's count of the messages a window would take in. */
export interface EasemobWindows {
  readonly filler: WindowFiller;
  readonly count: (window: { readonly fromAt: number; readonly untilAt: number }) => Promise<number>;
}

/** How long an hour whose file was not stored yet, or could not be read, waits before it is asked for again (on the service clock). */
export const retryPauseMs = 10 * 60_000;

/**
 * The hourly reconciliation of Easemob (opt-in: BACKFILL_EASEMOB_URL): every hour gets a `gaps` row
 * of kind `hour` once its history file is due (hour end + BACKFILL_EASEMOB_DELAY; at the first start,
 * the current hour at once, and no older one), and the file is read into the intake, so every
 * message a callback did not bring is taken in and the others are duplicates. A row settled `filled`
 * or `unfillable` is never read again; one left open by a crash, an API failure or a file not stored
 * yet is read at the next look (every BACKFILL_EASEMOB_CHECK_INTERVAL, failures after a pause).
 * Hours missed while the gateway was down are recorded and read on the next start. Returns the
 * Easemob filler of windows and their dry run's count (sharing the quota and the token), or undefined when off.
 */
export function startEasemobHours(config: Config, deps: { spool: Spool; vendors: readonly Vendor[]; metrics: Metrics; logger: Logger; clock: () => number; stops: Stops; quotas: QuotaSource; heap: FillHeap }): EasemobWindows | undefined {
  const settings = config.backfill.easemob;
  if (settings === undefined) return undefined;
  const { spool, metrics, logger, clock } = deps;
  const vendor = deps.vendors.find((v) => v.name === 'easemob');
  if (vendor === undefined || config.ackMode !== 'spool') {
    logger.warn('BACKFILL_EASEMOB_URL is set but Easemob callbacks are not configured (EASEMOB_CALLBACK_SECRETS) or ACK_MODE is not spool: the hourly history files are not read');
    return undefined;
  }
  const appKey = `${settings.org}#${settings.app}`;
  const tokens = createAppTokens({ url: `${settings.url.replace(/\/$/, '')}/${settings.org}/${settings.app}/token`, clientId: settings.clientId, clientSecret: settings.clientSecret, timeoutMs: 10_000, clock });
  // One call every 60/rate s after a burst of 10 − rate: no 60 s ever sees more than the documented 10.
  const quota = deps.quotas({ vendor: 'easemob', app: appKey, api: historyFileApi }, { perSecond: settings.perMinute / 60, burst: Math.max(1, documentedPerMinute - settings.perMinute) });
  const history = createEasemobHistory(settings, { tokens, quota });
  const reader: EasemobHourReader = { history, appKey, delayMs: settings.delayMs, retentionMs: settings.retentionMs };
  const intake = createBackfillPageIntake({ spool, vendors: [vendor], clock });
  const stop = new AbortController();
  /** Hours to leave alone until then (a file not stored yet, a failed read). */
  const pausedUntil = new Map<number, number>();

  async function recordDueHours(): Promise<void> {
    const latest = spool.gaps.list({ kind: 'hour', vendor: 'easemob' }, 1)[0];
    for (const span of hoursToRecord(latest?.untilAt, clock(), settings!.delayMs, settings!.retentionMs)) {
      const gap = await spool.gaps.record({ kind: 'hour', vendor: 'easemob', app: appKey, fromAt: span.fromAt, untilAt: span.untilAt }, clock());
      metrics.gapsDetected('hour');
      if (span.expired) await spool.gaps.settle(gap.gid, 'unfillable', "beyond Easemob's retention of history files: the gateway was down longer than that");
    }
  }

  async function fill(gap: Gap): Promise<'done' | 'stop'> {
    try {
      const result = await fillEasemobHours(reader, gap, { intake, signal: stop.signal, clock });
      metrics.backfilled('easemob', historyFileApi, result.counts);
      if (result.state === 'open') pausedUntil.set(gap.gid, clock() + retryPauseMs);
      else pausedUntil.delete(gap.gid);
      // An open hour keeps the reason too (GET /gaps shows why it is still open).
      await spool.gaps.settle(gap.gid, result.state, result.note);
      const log = result.state === 'unfillable' ? logger.warn.bind(logger) : logger.info.bind(logger);
      log({ gap: gap.gid, hour: new Date(gap.fromAt).toISOString(), state: result.state, note: result.note }, result.state === 'unfillable' ? 'an Easemob history hour cannot be read: recorded as unfillable' : 'an Easemob history hour was read');
      return 'done';
    } catch (error) {
      if (stop.signal.aborted) return 'stop';
      metrics.backfillApiError('easemob', historyFileApi);
      pausedUntil.set(gap.gid, clock() + retryPauseMs);
      await spool.gaps.settle(gap.gid, 'open', `failed, tried again: ${(error as Error).message}`.slice(0, 1000)).catch(() => undefined);
      logger.warn({ err: error, gap: gap.gid, hour: new Date(gap.fromAt).toISOString() }, 'reading an Easemob history hour failed; it stays open and is tried again');
      // Rate-limited: the other hours would be refused too.
      return error instanceof EasemobHistoryError && error.failure === 'rate' ? 'stop' : 'done';
    }
  }

  async function pass(): Promise<void> {
    await recordDueHours();
    for (const gap of spool.gaps.list({ kind: 'hour', state: 'open', vendor: 'easemob' }, 1000).reverse()) {
      if (stop.signal.aborted) return;
      if (gap.untilAt + settings!.delayMs > clock() || (pausedUntil.get(gap.gid) ?? 0) > clock()) continue;
      // Settled by hand since the list was read: not read.
      if (!spool.gaps.isOpen(gap.gid)) continue;
      if ((await deps.heap.during(() => fill(gap))) === 'stop') return;
    }
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const look = (): void => {
    running = pass()
      .catch((error: unknown) => logger.warn({ err: error }, 'the Easemob hourly reconciliation could not look for due hours'))
      .finally(() => {
        running = undefined;
        if (!stop.signal.aborted) timer = setTimeout(look, settings.checkIntervalMs).unref();
      });
  };
  deps.stops.add('easemob hours', async () => {
    stop.abort();
    clearTimeout(timer);
    await running;
  });
  look();
  const counter = easemobWindowCounter(reader, { vendor, has: spool.has, clock });
  // A dry run reads the hours' files through the mapping as a fill does.
  return { filler: easemobWindowFiller(reader), count: (window) => deps.heap.during(() => counter(window, stop.signal)) };
}
