import type { ServerResponse } from 'node:http';
import type { VendorReply } from '../vendors/vendor';

/**
 * Writes a vendor's reply: JSON (`application/json; charset=utf-8`) or text (`text/plain;
 * charset=utf-8`), with an exact Content-Length, status line and headers in one go. `base` are
 * headers still to be sent (name, value, …) besides any set on `res` already.
 */
export function send(res: ServerResponse, reply: VendorReply, base: readonly string[] = []): void {
  const extra: string[] = [];
  if (reply.headers) for (const name in reply.headers) extra.push(name, reply.headers[name] as string);
  if (typeof reply.body === 'string') write(res, reply.status, 'text/plain; charset=utf-8', reply.body, base, extra);
  else write(res, reply.status, 'application/json; charset=utf-8', JSON.stringify(reply.body), base, extra);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, base: readonly string[] = []): void {
  write(res, status, 'application/json; charset=utf-8', JSON.stringify(body), base, []);
}

function write(res: ServerResponse, status: number, type: string, text: string, base: readonly string[], extra: readonly string[]): void {
  res.writeHead(status, [...base, ...extra, 'Content-Type', type, 'Content-Length', String(Buffer.byteLength(text))]);
  res.end(text);
}
