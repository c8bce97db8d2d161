import { tencentSign } from '../../src/vendors/tencent/sign';
import type { TencentFixture } from './fixtures';

export const TEST_TOKEN = 's3cr3t-Token_ABC';
/** 2026-01-01T00:00:00Z, the RequestTime of the protocol notes' signed example. */
export const TEST_NOW_MS = 1_767_225_600_000;

/** The callback path with `query`, signed with `token` at `requestTime` (seconds) unless token is null. */
export function callbackPath(
  query: Record<string, string>,
  options: { token?: string | null; requestTime?: number | string } = {},
): string {
  const params = new URLSearchParams(query);
  const token = options.token === undefined ? TEST_TOKEN : options.token;
  if (token !== null) {
    const requestTime = String(options.requestTime ?? Math.floor(TEST_NOW_MS / 1000));
    params.set('Sign', tencentSign(token, requestTime));
    params.set('RequestTime', requestTime);
  }
  return `/tencent/callback?${params.toString()}`;
}

/** A copy of a fixture's body with some fields replaced, e.g. a new MsgKey for a distinct message. */
export function withBody(fixture: TencentFixture, changes: Record<string, unknown>): TencentFixture {
  return { ...fixture, body: { ...fixture.body, ...changes } };
}
