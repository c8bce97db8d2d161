import type { FetchedOutcome } from '../fill-sequence-gaps';
import { createQuota, type Quota } from '../quota';
import { readConversations, type BackfillWindow, type SeenConversation, type WindowFiller } from '../window-filler';
import { neteaseCopyBody, type CopyConversation } from './copy-body';
import { createNeteaseHistory, historyPageSize, NeteaseHistoryError, type HistoryApi, type NeteaseHistory, type NeteaseHistorySettings } from './history';
import { writePages } from '../page-writer';
import { createPace, type Pace } from '../pace';
import { createRoundTrips } from '../round-trips';

export interface NeteaseBackfillSettings extends NeteaseHistorySettings {
  /** History calls per second, shared by the three APIs (BACKFILL_NETEASE_RATE). */
  readonly perSecond: number;
  /** The account team and super-team histories are read as (`accid`); undefined: teams are not read. */
  readonly account?: string | undefined;
}

/** The `backfill` attribute of what each API brought. */
export const neteaseHistoryApis: Readonly<Record<HistoryApi, string>> = {
  session: 'netease/querySessionMsg',
  team: 'netease/queryTeamMsg',
  superteam: 'netease/superteam.queryHistoryMsg',
};

/** Codes that mean this conversation's history cannot be read (no such team, not a member, no such account): noted, the others are read. */
const unreadable = new Set([803, 804, 404]);

type Counts = Record<FetchedOutcome | 'placeholder', number>;

/**
 * The NetEase window filler: for every one-to-one pair and team the gateway saw in the window's app,
 * reads the history of the window (one-to-one: querySessionMsg; team: queryTeamMsg, and when NetEase
 * says there is no such team, the super-team history) and hands each message to the intake as the
 * eventType 1 copy NetEase would have POSTed, so a message whose callback came too is a duplicate.
 * Chat rooms are not read: their copies carry no server id, so a fetched one could not be matched to
 * its callback. Conversations are read side by side (`readConversations`) behind one quota, as many as
 * the calls' round trips need to make `perSecond` calls a second (`round-trips.ts`). The
 * messages go to the intake a page of 100 at a time (one spool write, `writePages`), the next ones read
 * while it is stored, and a conversation is done once its pages are; throws on an API failure (the
 * window stays open), except for a conversation NetEase says cannot be read, which is named in the note.
 */
export function createNeteaseWindowFiller(settings: NeteaseBackfillSettings, options: { quota?: Quota; history?: NeteaseHistory; clock?: () => number } = {}): WindowFiller {
  const quota = options.quota ?? createQuota({ perSecond: settings.perSecond });
  return async (window, deps) => {
    // The calls' round trips set how many conversations are read side by side.
    const roundTrips = createRoundTrips(settings.perSecond);
    const history = options.history ?? createNeteaseHistory(settings, { quota, clock: options.clock ?? deps.clock, roundTrips });
    const counts: Counts = { accepted: 0, duplicate: 0, invalid: 0, ignored: 0, placeholder: 0 };
    const notes: string[] = [];
    // The conversations read side by side rest together.
    const pace = createPace();
    let skipped = 0;
    let unnoted = 0;
    await readConversations(window.conversations, async (conversation, signal) => {
      if (conversation.vendor === 'netease' && conversation.kind === 'room') skipped += 1;
      if (!isRead(conversation, window, settings.appKey)) return;
      const note = await fillConversation(conversation, window, { history, settings, counts, pace, intake: deps.intake, signal });
      // The note names the first few; a large app could have many thousands (e.g. teams without an account).
      if (note !== undefined && notes.length < 5) notes.push(note);
      else if (note !== undefined) unnoted += 1;
    }, deps.signal, roundTrips.wanted);
    if (deps.signal.aborted) return { state: 'open', note: 'stopped', counts };
    if (unnoted > 0) notes.push(`${unnoted} more conversation(s) not read`);
    if (skipped > 0) notes.push(`${skipped} chat room(s) not read (their copies carry no server id)`);
    return { state: 'filled', note: [`${counts.accepted} fetched, ${counts.duplicate} already stored`, ...notes].join('; '), counts };
  };
}

/** Whether a conversation of the window is read (one-to-one pairs and teams of the configured app). */
function isRead(c: SeenConversation, window: BackfillWindow, appKey: string): boolean {
  return c.vendor === 'netease' && c.kind !== 'room' && c.app === appKey && (window.app === undefined || window.app === c.app);
}

interface FillDeps {
  readonly history: NeteaseHistory;
  readonly settings: NeteaseBackfillSettings;
  readonly counts: Counts;
  readonly pace: Pace;
  readonly intake: Parameters<WindowFiller>[1]['intake'];
  readonly signal: AbortSignal;
}

/** Reads one conversation; returns a note when it could not be read. */
async function fillConversation(c: SeenConversation, window: BackfillWindow, deps: FillDeps): Promise<string | undefined> {
  const span = { fromAt: window.fromAt, untilAt: window.untilAt };
  if (c.kind === 'user') {
    if (c.b === undefined) return undefined;
    return read('session', { from: c.a, to: c.b }, { convType: 'PERSON', a: c.a, b: c.b });
  }
  if (deps.settings.account === undefined) return `team ${c.a} not read (BACKFILL_NETEASE_ACCOUNT is not set)`;
  const teamNote = await read('team', { tid: c.a, accid: deps.settings.account, checkTeamValid: 'false' }, { convType: 'TEAM', tid: c.a });
  if (teamNote === undefined) return undefined;
  const superNote = await read('superteam', { tid: c.a, accid: deps.settings.account }, { convType: 'SUPER_TEAM', tid: c.a });
  return superNote === undefined ? undefined : `team ${c.a} not read (${teamNote}; super team: ${superNote})`;

  async function read(api: HistoryApi, params: Record<string, string>, where: CopyConversation): Promise<string | undefined> {
    const messages = deps.history.read({ api, params, ...span }, deps.signal);
    async function* copies() {
      for await (const message of messages) yield neteaseCopyBody(message, where);
    }
    try {
      // The messages go to the intake 100 at a time (one spool write each), the next ones read meanwhile.
      await writePages(copies(), { intake: deps.intake, vendor: 'netease', api: neteaseHistoryApis[api], query: new URLSearchParams(), counts: deps.counts, pace: deps.pace, pageSize: historyPageSize });
      return undefined;
    } catch (error) {
      if (error instanceof NeteaseHistoryError && unreadable.has(error.code)) return c.kind === 'user' ? `${c.a}/${c.b ?? ''} not read (${error.message})` : error.message;
      throw error;
    }
  }
}
