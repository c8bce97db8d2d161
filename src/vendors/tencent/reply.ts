import { failureReasons, type FailureReason } from '../../errors';
import { isBeforeCallback } from './commands';

/** https://cloud.tencent.com/document/product/269/1522 §3: every reply is this JSON object. */
export interface TencentReply {
  readonly ActionStatus: 'OK' | 'FAIL';
  readonly ErrorCode: 0 | 1;
  readonly ErrorInfo: string;
}

export const ok = (info = ''): TencentReply => ({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: info });
export const fail = (info: string): TencentReply => ({ ActionStatus: 'FAIL', ErrorCode: 1, ErrorInfo: info });

/**
 * The reply policy for a failure. Before-callbacks (`*.CallbackBefore*`, `*.CallbackPrev*`) fail open:
 * Tencent acts on their reply, and the gateway must never block a user's message because of its own
 * trouble, so they always get HTTP 200 with `ErrorCode 0` (the failure shows in metrics and logs).
 */
export function replyFor(reason: FailureReason, info: string, command?: string): { httpStatus: number; body: TencentReply } {
  if (isBeforeCallback(command)) return { httpStatus: 200, body: ok() };
  return { httpStatus: failureReasons[reason].httpStatus, body: fail(info) };
}
