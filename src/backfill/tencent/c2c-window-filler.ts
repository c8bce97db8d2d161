import type { FetchedOutcome } from '../fill-sequence-gaps';
import type { Quota } from '../quota';
import { readConversations, type SeenConversation, type WindowFiller } from '../window-filler';
import { c2cCallbackBody, c2cCallbackQuery } from './c2c-message';
import { createTencentRest, TencentApiError, type TencentHistorySettings } from './rest';
import { createTencentRoamHistory, type TencentRoamHistory } from './roam-history';
import { writePages } from '../page-writer';
import { createPace } from '../pace';
import { createRoundTrips } from '../round-trips';

export const roamHistoryApi = 'tencent/admin_getroammsg';

/** Tencent's default roaming storage period: messages older than this are gone unless the app bought a longer one. */
export const defaultRoamingMs = 7 * 86_400_000;

/** admin_getroammsg's documented limit: calls a second per SDKAppID. */
const defaultRoamPerSecond = 200;

/** Codes that mean this pair cannot be read (an account that no longer exists): the others are still read. */
const skipPairCodes = new Set([70107]);

/**
 * Fills a window from Tencent's one-to-one roaming history: for every one-to-one pair seen, the
 * messages between the window's times (whole seconds, widened outwards) go through the intake as the
 * `C2C.CallbackAfterSendMsg` callback that would have brought them; deleted or recalled ones
 * (`MsgFlagBits` not 0) are counted as placeholders. Groups are read from their sequence gaps, not
 * here. A pair first talking during the outage was never seen and cannot be read back. Pairs are read
 * side by side (`readConversations`), as many as the calls' round trips need to make `perSecond` calls a
 * second (`round-trips.ts`), each app's calls taking from its own quota (`quotaOf`): Tencent counts the
 * limit per SDKAppID.
 */
export function tencentC2CWindowFiller(settings: Omit<TencentHistorySettings, 'sdkAppId'>, deps: { quotaOf: (sdkAppId: string) => Quota; perSecond?: number }): WindowFiller {
  return async (window, { intake, signal, clock }) => {
    const counts: Record<FetchedOutcome | 'placeholder', number> = { accepted: 0, duplicate: 0, invalid: 0, ignored: 0, placeholder: 0 };
    const histories = new Map<string, TencentRoamHistory>();
    // The calls' round trips set how many pairs are read side by side.
    const roundTrips = createRoundTrips(deps.perSecond ?? defaultRoamPerSecond);
    const historyOf = (app: string): TencentRoamHistory => {
      let history = histories.get(app);
      if (!history) histories.set(app, (history = createTencentRoamHistory(createTencentRest({ ...settings, sdkAppId: Number(app) }, { quota: deps.quotaOf(app), clock, roundTrips }), roundTrips)));
      return history;
    };
    const isPair = (c: SeenConversation): c is SeenConversation & { b: string } => c.kind === 'user' && c.b !== undefined && /^\d+$/.test(c.app) && (window.app === undefined || c.app === window.app);
    const skipped: string[] = [];
    let [pairs, unreadable] = [0, 0];
    const [minTime, maxTime] = [Math.floor(window.fromAt / 1000), Math.ceil(window.untilAt / 1000)];
    // The pairs read side by side rest together.
    const pace = createPace();
    await readConversations(window.conversations, async (pair, pairSignal) => {
      if (!isPair(pair)) return;
      pairs += 1;
      const messages = historyOf(pair.app).read(pair.a, pair.b, minTime, maxTime, pairSignal);
      async function* bodies() {
        for await (const message of messages) {
          if (message.MsgFlagBits !== 0) counts.placeholder += 1;
          else yield c2cCallbackBody(message);
        }
      }
      try {
        // The pair's messages go to the intake a page at a time (one spool write each); the pair is done once they are stored.
        await writePages(bodies(), { intake, vendor: 'tencent', api: roamHistoryApi, query: c2cCallbackQuery(pair.app), counts, pace });
      } catch (error) {
        if (!(error instanceof TencentApiError && skipPairCodes.has(error.code))) throw error;
        // The note names the first few, however many pairs a large app has.
        if ((unreadable += 1) <= 5) skipped.push(`${pair.a}/${pair.b}: ${error.message}`);
      }
    }, signal, roundTrips.wanted);
    if (signal.aborted) return { state: 'open', note: 'stopped', counts };
    const expired = clock() - window.fromAt > defaultRoamingMs ? '; the window starts beyond the default 7-day roaming retention: older messages may be gone' : '';
    const note = `${pairs} one-to-one conversation(s) read: ${counts.accepted} fetched, ${counts.duplicate} already stored, ${counts.placeholder} deleted or recalled${skipped.length ? `; not readable: ${skipped.join('; ')}${unreadable > 5 ? ` and ${unreadable - 5} more` : ''}` : ''}${expired}`;
    return { state: 'filled', note, counts };
  };
}
