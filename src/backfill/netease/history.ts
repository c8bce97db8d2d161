import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { backgroundTurn } from '../../pipeline/background-turns';
import { callVendor } from '../../protocols/vendor-call';
import { neteaseApiHeaders } from '../../protocols/netease-api-checksum';
import type { Quota } from '../quota';
import { defaultRequestTimeoutMs } from '../request-timeout';
import type { RoundTrips } from '../round-trips';

/**
 * The history APIs, one per conversation kind (docs/protocols/backfill.md): one-to-one
 * `history/querySessionMsg.action` (`from`, `to`), team `history/queryTeamMsg.action` and super team
 * `superteam/queryHistoryMsg.action` (`tid`, `accid`).
 */
export type HistoryApi = 'session' | 'team' | 'superteam';

export const historyPaths: Readonly<Record<HistoryApi, string>> = {
  session: 'nimserver/history/querySessionMsg.action',
  team: 'nimserver/history/queryTeamMsg.action',
  superteam: 'nimserver/superteam/queryHistoryMsg.action',
};

/** The most messages one call returns (`limit`, documented as (0, 100]). */
export const historyPageSize = 100;

/**
 * One message of an answer's `msgs`. Ids are kept as text: NetEase's server ids are 64-bit and may be
 * beyond what a JavaScript number holds exactly (see `idsAsText`). `body` is an object or JSON text.
 */
const historyMessage = z.looseObject({
  msgid: z.string().regex(/^\d{1,20}$/),
  sendtime: z.number().int().nonnegative(),
  from: z.string().min(1),
  to: z.string().optional(),
  type: z.number().int(),
  body: z.unknown().optional(),
  ext: z.unknown().optional(),
  msgidclient: z.string().optional(),
  fromclienttype: z.union([z.string(), z.number()]).optional(),
});
export type NeteaseHistoryMessage = z.output<typeof historyMessage>;

const answer = z.looseObject({ code: z.number().int(), desc: z.unknown().optional(), msgs: z.array(historyMessage).optional() });

/** A refusal: NetEase's `code` (414 parameter, 416 frequency control, 403 CheckSum or no permission, 803 no such team, …). */
export class NeteaseHistoryError extends Error {
  constructor(readonly code: number, desc: string) {
    super(`NetEase history API error ${code}: ${desc}`);
  }
}

/** Quotes the 64-bit id fields (`msgid`, `msgidclient`) before `JSON.parse`, which would round them. */
export function idsAsText(json: string): string {
  return json.replace(/"(msgid|msgidclient)"(\s*):(\s*)(\d+)/g, '"$1"$2:$3"$4"');
}

export interface NeteaseHistorySettings {
  /** e.g. https://api.netease.im (or the app's data centre). */
  readonly url: string;
  readonly appKey: string;
  readonly appSecret: string;
}

export interface HistoryQuery {
  readonly api: HistoryApi;
  /** session: `from` and `to`; team and superteam: `tid` and `accid` (the account the history is read as). */
  readonly params: Readonly<Record<string, string>>;
  readonly fromAt: number;
  readonly untilAt: number;
}

/** Pauses after a 416 before the call is tried again, and how many times. */
const rateRetries = 5;

/**
 * A client of the three history APIs: every call behind the quota (its round trip given to
 * `roundTrips`), signed with a fresh Nonce. `read`
 * walks a time window oldest first (`reverse` 1), 100 a call; the next page starts at the last
 * message's time with `excludeMsgid` its id (the anchor for messages sharing a millisecond), and ids
 * already given at that millisecond are skipped, so nothing is given twice. A 416 (frequency control)
 * is waited out and tried again; any other refusal throws `NeteaseHistoryError`.
 */
export function createNeteaseHistory(settings: NeteaseHistorySettings, deps: { quota: Quota; clock: () => number; rateLimitPauseMs?: number; sleep?: (ms: number) => Promise<void>; requestTimeoutMs?: number; roundTrips?: Pick<RoundTrips, 'record' | 'handled'> }) {
  const base = settings.url.replace(/\/+$/, '');
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  async function call(api: HistoryApi, form: Record<string, string>, signal?: AbortSignal): Promise<NeteaseHistoryMessage[]> {
    for (let attempt = 0; ; attempt += 1) {
      await deps.quota.take();
      const headers = neteaseApiHeaders(settings.appKey, settings.appSecret, randomBytes(16).toString('hex'), String(Math.floor(deps.clock() / 1000)));
      const sent = performance.now();
      const response = await callVendor(`${base}/${historyPaths[api]}`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
        body: new URLSearchParams(form).toString(),
        // The caller's signal stops the read; the timeout bounds each call, so one never answered cannot hold a fill.
        signal,
        timeoutMs: deps.requestTimeoutMs ?? defaultRequestTimeoutMs,
      });
      deps.roundTrips?.record(performance.now() - sent);
      if (response.status < 200 || response.status > 299) throw new NeteaseHistoryError(response.status, `HTTP ${response.status}`);
      // A page's answer is parsed in a background turn: answers that arrive together do not hold callbacks back to back.
      await backgroundTurn();
      const parsed = answer.parse(JSON.parse(idsAsText(response.text)));
      if (parsed.code === 200) return parsed.msgs ?? [];
      if (parsed.code !== 416 || attempt >= rateRetries) throw new NeteaseHistoryError(parsed.code, typeof parsed.desc === 'string' ? parsed.desc.slice(0, 300) : '');
      await sleep(deps.rateLimitPauseMs ?? 1000);
    }
  }

  return {
    /** Every message of one conversation sent from `fromAt` to `untilAt` (ms, both included), oldest first. */
    async *read(query: HistoryQuery, signal?: AbortSignal): AsyncGenerator<NeteaseHistoryMessage> {
      let begin = query.fromAt;
      let exclude: string | undefined;
      let atBegin = new Set<string>();
      let answered: number | undefined;
      for (;;) {
        const form = { ...query.params, begintime: String(begin), endtime: String(query.untilAt), limit: String(historyPageSize), reverse: '1', ...(exclude === undefined ? {} : { excludeMsgid: exclude }) };
        // The time the answer before took to be handled (its messages handed on) until this call.
        if (answered !== undefined) deps.roundTrips?.handled(performance.now() - answered);
        const page = await call(query.api, form, signal);
        answered = performance.now();
        const fresh = page.filter((m) => !(m.sendtime === begin && atBegin.has(m.msgid)) && m.sendtime >= query.fromAt && m.sendtime <= query.untilAt);
        yield* fresh;
        const last = page.at(-1);
        if (page.length < historyPageSize || last === undefined || fresh.length === 0) return;
        atBegin = last.sendtime === begin ? atBegin : new Set();
        for (const m of page) if (m.sendtime === last.sendtime) atBegin.add(m.msgid);
        [begin, exclude] = [last.sendtime, last.msgid];
      }
    },
  };
}

export type NeteaseHistory = ReturnType<typeof createNeteaseHistory>;
