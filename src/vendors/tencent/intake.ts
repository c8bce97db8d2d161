import { CallbackError, quarantineReasons, type QuarantineReason } from '../../errors';
import { describeIssues, parseJsonBody } from '../body';
import { boundsProblem } from './bounds';
import { isTypedCommand, otherCallback, tencentBodySchemas, type TencentCallback } from './callbacks';
import { canonicalSdkAppId, parseTencentQuery, type TencentQuery } from './query';
import { verifyTencentSign } from './sign';

export interface TencentSettings {
  /** Allowed SdkAppids; undefined accepts every app. */
  readonly sdkAppIds: readonly string[] | undefined;
  /** Callback tokens; undefined disables the Sign check. */
  readonly callbackTokens: readonly string[] | undefined;
  readonly signWindowSeconds: number;
}

/**
 * Everything that can be decided from the URL alone, before the body is read: the query is well
 * formed, the app is allowed, the Sign is valid and fresh. Throws a `CallbackError` otherwise.
 */
export function admitTencentRequest(params: URLSearchParams, settings: TencentSettings, nowMs: number): TencentQuery {
  const query = parseTencentQuery(params);
  if (settings.sdkAppIds && !settings.sdkAppIds.some((allowed) => canonicalSdkAppId(allowed) === query.sdkAppId)) {
    throw new CallbackError('app_not_allowed', `SdkAppid ${query.sdkAppId} is not allowed`);
  }
  if (settings.callbackTokens) {
    verifyTencentSign(query.sign, query.requestTime, { tokens: settings.callbackTokens, windowSeconds: settings.signWindowSeconds }, Math.floor(nowMs / 1000));
  }
  return query;
}

export type ParsedBody =
  | { readonly ok: true; readonly body: TencentCallback; readonly text: string }
  | { readonly ok: false; readonly reason: QuarantineReason; readonly detail: string };

/** Decodes, parses and validates an authenticated body. A failure says why, for the quarantine. */
export function parseTencentBody(raw: Buffer, query: TencentQuery): ParsedBody {
  const failed = (reason: QuarantineReason, detail: string = quarantineReasons[reason]): ParsedBody => ({ ok: false, reason, detail });
  const parsed = parseJsonBody(raw);
  if (!parsed.ok) return parsed;
  const { text, json } = parsed;
  const command = (json as { CallbackCommand?: unknown } | null)?.CallbackCommand;
  if (typeof json === 'object' && json !== null && !Array.isArray(json) && typeof command === 'string' && command !== query.command) {
    return failed('command_mismatch', `CallbackCommand in the body (${command.slice(0, 128)}) differs from the query (${query.command})`);
  }
  const tooBig = boundsProblem(text, json);
  if (tooBig) return failed('invalid_payload', tooBig);
  const schema = isTypedCommand(query.command) ? tencentBodySchemas[query.command] : otherCallback;
  const result = schema.safeParse(json);
  if (!result.success) return failed('invalid_payload', describeIssues(result.error));
  return { ok: true, body: result.data as TencentCallback, text };
}
