import type { ServerResponse } from 'node:http';
import type { VendorReply } from '../vendors/vendor';

/**
 * Writes a vendor's reply: JSON (`application/json; charset=utf-8`) or text (`text/plain;
 * charset=utf-8`), with an exact Content-Length, in one write.
 */
export function send(res: ServerResponse, reply: VendorReply): void {
  if (reply.headers) for (const name in reply.headers) res.setHeader(name, reply.headers[name] as string);
  if (typeof reply.body === 'string') write(res, reply.status, 'text/plain; charset=utf-8', reply.body);
  else sendJson(res, reply.status, reply.body);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  write(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

function write(res: ServerResponse, status: number, type: string, text: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
