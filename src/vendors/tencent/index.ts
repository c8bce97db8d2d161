import { z } from 'zod';
import { csv, envInteger, secretList } from '../../settings';
import { cut } from '../body';
import { withRelayMarker } from '../relay-check';
import { defineVendor, type CallbackHead, type Outcome, type StoredHead, type Vendor, type VendorReply } from '../vendor';
import { commandLabel, knownCommands } from './commands';
import { admitTencentRequest, parseTencentBody, type TencentSettings } from './intake';
import { parseTencentQuery, type TencentQuery } from './query';
import { ok, replyFor } from './reply';
import { tencentEvent } from './to-event';

/** Tencent Cloud IM callbacks (https://cloud.tencent.com/document/product/269/1522): `POST /tencent/callback`. */
export const tencentVendor = defineVendor({
  name: 'tencent',
  env: {
    TENCENT_SDKAPPIDS: csv(z.string().regex(/^\d{1,20}$/, 'expected digits'))
      .optional()
      .describe('Comma-separated SdkAppid allow-list; when unset every app is accepted (with a warning at startup)'),
    TENCENT_CALLBACK_TOKENS: secretList({ maxLength: 128 })
      .optional()
      .describe(
        'Callback token(s); enables the Sign check. One token is used exactly as given; several (rotation), or one containing a comma, are written as a JSON array: ["new","old"]. An empty token or one with white space around it is refused. Also read from TENCENT_CALLBACK_TOKENS_FILE',
      ),
    TENCENT_SIGN_WINDOW_SECONDS: envInteger(1, 3600)
      .default(60)
      .describe('Largest accepted difference between RequestTime and the local clock, in seconds'),
  },
  secretFiles: ['TENCENT_CALLBACK_TOKENS'],
  settings: (env): TencentSettings => ({
    sdkAppIds: env.TENCENT_SDKAPPIDS,
    callbackTokens: env.TENCENT_CALLBACK_TOKENS,
    signWindowSeconds: env.TENCENT_SIGN_WINDOW_SECONDS,
  }),
  warnings: (settings) => [
    ...(settings?.sdkAppIds ? [] : ['TENCENT_SDKAPPIDS is not set: callbacks from any SdkAppid are accepted']),
    ...(settings?.callbackTokens ? [] : ['TENCENT_CALLBACK_TOKENS is not set: the Sign check is disabled']),
  ],
  create: (settings, deps) => createTencentVendor(settings, deps.relayKeys),
});

const labels = [...knownCommands, 'other'];

/** `relayKeys`: RELAY_KEY (a message whose relay marker verifies is ours, answered and not stored). */
export function createTencentVendor(settings: TencentSettings, relayKeys: readonly string[] = []): Vendor {
  // The query is parsed once per head: admission parses it and the mapping reuses it; the bodies of a
  // backfilled page share one head, and the first mapping's parse serves the rest.
  const queries = new WeakMap<CallbackHead, TencentQuery>();
  const queryOf = (head: CallbackHead): TencentQuery => {
    const known = queries.get(head);
    if (known !== undefined) return known;
    const query = parseTencentQuery(head.query);
    queries.set(head, query);
    return query;
  };
  const rawCommand = (head: CallbackHead | undefined) => {
    if (!head) return undefined;
    for (const [key, value] of head.query) if (key.toLowerCase() === 'callbackcommand') return value;
    return undefined;
  };
  return {
    name: 'tencent',
    authenticates: 'head',
    labels,
    authenticate(head, _body, nowMs) {
      queries.set(head, admitTencentRequest(head.query, settings, nowMs));
    },
    toEvent(head, body, receivedAt) {
      const query = queryOf(head);
      const label = commandLabel(query.command);
      const parsed = parseTencentBody(body, query);
      if (!parsed.ok) return { kind: 'invalid', label, reason: parsed.reason, detail: parsed.detail };
      try {
        const { event, facts } = tencentEvent(query, parsed.body, parsed.text, receivedAt);
        return withRelayMarker({ kind: 'event', label, event, facts }, relayKeys);
      } catch (error) {
        // Not expected after validation; an authenticated body is kept raw in quarantine rather than lost.
        return { kind: 'invalid', label, reason: 'invalid_payload', detail: `message could not be mapped: ${cut(String((error as Error).message))}` };
      }
    },
    label: (head) => commandLabel(rawCommand(head)),
    reply: (outcome, head) => tencentReply(outcome, rawCommand(head)),
    storedHead(head): StoredHead {
      const query = new URLSearchParams(head.query);
      for (const key of [...query.keys()]) if (key.toLowerCase() === 'sign') query.set(key, 'redacted');
      return { query: query.toString() };
    },
  };
}

/**
 * Every Tencent reply is `{ActionStatus, ErrorCode, ErrorInfo}` (https://cloud.tencent.com/document/product/269/1522 §3);
 * failures follow `replyFor` (before-callbacks fail open).
 */
function tencentReply(outcome: Outcome, command: string | undefined): VendorReply {
  switch (outcome.kind) {
    case 'accepted':
    case 'ignored':
      return { status: 200, body: ok() };
    case 'duplicate':
      return { status: 200, body: ok('duplicate: already received') };
    case 'quarantined':
      return { status: 200, body: ok(`quarantined: ${outcome.detail}`) };
    case 'failed': {
      const reply = replyFor(outcome.reason, outcome.info, command);
      return { status: reply.httpStatus, body: reply.body };
    }
  }
}
