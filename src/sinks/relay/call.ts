import { callVendor } from '../../protocols/vendor-call';
import { throwIfAborted } from '../sink';
import { UnansweredSendError } from './errors';

/** Codes of a call that never reached the target (a refused connection, an unknown host): it sent nothing. */
const unreached = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * One POST of a relay send, bounded by `timeoutMs`; resolves with the status and the answer's JSON
 * object (`{}` when the answer is not one). A call that got no answer throws: a plain error when it
 * never reached the target (sent nothing), `UnansweredSendError` when it may have arrived (a timeout, a
 * broken connection), the caller's abort as such. `what` starts the message (e.g. "Easemob users send").
 */
export async function relayPost(what: string, url: string, request: { headers: Record<string, string>; body: string }, signal: AbortSignal, timeoutMs: number): Promise<{ status: number; json: Record<string, unknown> }> {
  let answer;
  try {
    answer = await callVendor(url, { method: 'POST', headers: request.headers, body: request.body, signal, timeoutMs });
  } catch (error) {
    // The caller's abort wins (the sink then treats the call as unanswered: it may have gone out).
    throwIfAborted(signal);
    const text = (error as Error).name === 'TimeoutError' ? `got no answer within ${timeoutMs} ms` : `failed: ${(error as Error).message}`;
    const code = (error as NodeJS.ErrnoException).code ?? ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code;
    if (code !== undefined && unreached.has(code)) throw new Error(`${what} ${text}`, { cause: error });
    throw new UnansweredSendError(`${what} ${text}`, { cause: error });
  }
  return { status: answer.status, json: jsonObject(answer.text) };
}

function jsonObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
