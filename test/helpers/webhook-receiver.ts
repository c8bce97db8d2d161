import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { TestServer } from './servers';
import { freePort } from './servers';

export interface ReceivedRequest {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The Standard Webhooks signature checked out against the receiver's secret. */
  readonly verified: boolean;
}

/**
 * A real HTTP receiver that verifies Standard Webhooks signatures the way a user's service would
 * (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md) and
 * de-duplicates by `webhook-id`. `respond` scripts the replies (status and headers); default 204.
 */
export async function startWebhookReceiver(secret: string, fixedPort?: number) {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const requests: ReceivedRequest[] = [];
  const seen = new Map<string, unknown[]>();
  const script: { status: number; headers?: Record<string, string>; hang?: boolean }[] = [];
  const port = fixedPort ?? (await freePort());
  let server: Server | undefined;

  function verify(headers: IncomingHttpHeaders, body: string): boolean {
    const id = String(headers['webhook-id'] ?? '');
    const timestamp = String(headers['webhook-timestamp'] ?? '');
    if (!id || !/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
    const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
    return String(headers['webhook-signature'] ?? '')
      .split(' ')
      .some((candidate) => {
        const [version, signature] = candidate.split(',');
        const given = Buffer.from(signature ?? '', 'base64');
        return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
      });
  }

  const receiver = {
    port,
    url: `http://127.0.0.1:${port}/events`,
    requests,
    /** Events accepted, de-duplicated by webhook-id, in arrival order. */
    events(): Record<string, unknown>[] {
      return [...seen.values()].flat() as Record<string, unknown>[];
    },
    respond(...replies: { status: number; headers?: Record<string, string>; hang?: boolean }[]) {
      script.push(...replies);
    },
    async start() {
      if (server) return;
      server = createServer((req, res) => {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (chunk: string) => (body += chunk));
        req.on('end', () => {
          const verified = verify(req.headers, body);
          requests.push({ headers: req.headers, body, verified });
          const reply = script.shift();
          if (reply?.hang) return;
          if (reply && reply.status >= 300) return void res.writeHead(reply.status, reply.headers).end();
          if (!verified) return void res.writeHead(401).end();
          const id = String(req.headers['webhook-id']);
          if (!seen.has(id)) {
            const parsed = JSON.parse(body) as unknown;
            seen.set(id, Array.isArray(parsed) ? parsed : [parsed]);
          }
          res.writeHead(reply?.status ?? 204).end();
        });
      });
      await new Promise<void>((resolve, reject) => server!.once('error', reject).listen(port, '127.0.0.1', resolve));
    },
    async stop() {
      const running = server;
      server = undefined;
      if (!running) return;
      running.closeAllConnections();
      await new Promise((resolve) => running.close(resolve));
    },
    async destroy() {
      await receiver.stop();
    },
  } satisfies TestServer & Record<string, unknown>;
  await receiver.start();
  return receiver;
}
