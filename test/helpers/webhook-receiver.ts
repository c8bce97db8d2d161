import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import type { TestServer } from './servers';
import { freePort } from './servers';

export interface ReceivedRequest {
  readonly method: string;
  /** The request target, e.g. `/events`. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The official `standardwebhooks` library verified the request against the receiver's secret. */
  readonly verified: boolean;
}

export interface ScriptedReply {
  readonly status: number;
  readonly headers?: Record<string, string>;
  /** Never answer (the sender's timeout must fire). */
  readonly hang?: boolean;
}

/** Verifies a request with the official Standard Webhooks library, as a user's receiver would. */
export function verifiesWith(secret: string, request: Pick<ReceivedRequest, 'headers' | 'body'>): boolean {
  try {
    new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
}

/**
 * A real HTTP receiver that verifies Standard Webhooks signatures with the official `standardwebhooks`
 * package (https://github.com/standard-webhooks/standard-webhooks) and de-duplicates by `webhook-id`.
 * `respond` scripts the next replies (status and headers); default 204, 401 when unverified.
 */
export async function startWebhookReceiver(secret: string, fixedPort?: number) {
  const requests: ReceivedRequest[] = [];
  const seen = new Map<string, unknown[]>();
  const script: ScriptedReply[] = [];
  let refusal: { match: (event: Record<string, unknown>) => boolean; status: number } | undefined;
  const port = fixedPort ?? (await freePort());
  let server: Server | undefined;

  const receiver = {
    port,
    url: `http://127.0.0.1:${port}/events`,
    requests,
    /** Events accepted, de-duplicated by webhook-id, in arrival order. */
    events(): Record<string, unknown>[] {
      return [...seen.values()].flat() as Record<string, unknown>[];
    },
    respond(...replies: ScriptedReply[]) {
      script.push(...replies);
    },
    /** From now on, a request holding an event that `match`es is answered `status` (like a strict receiver). */
    refuseEvents(match: (event: Record<string, unknown>) => boolean, status = 400) {
      refusal = { match, status };
    },
    /** Drops scripted replies not used yet. */
    forgetReplies() {
      script.length = 0;
    },
    async start() {
      if (server) return;
      server = createServer((req, res) => {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (chunk: string) => (body += chunk));
        req.on('end', () => {
          const verified = verifiesWith(secret, { headers: req.headers, body });
          requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, verified });
          const reply = script.shift();
          if (reply?.hang) return;
          if (reply && reply.status >= 300) return void res.writeHead(reply.status, reply.headers).end();
          if (!verified) return void res.writeHead(401).end();
          const id = String(req.headers['webhook-id']);
          const parsed = JSON.parse(body) as unknown;
          const events = (Array.isArray(parsed) ? parsed : [parsed]) as Record<string, unknown>[];
          if (refusal && events.some(refusal.match)) return void res.writeHead(refusal.status).end();
          if (!seen.has(id)) seen.set(id, events);
          res.writeHead(reply?.status ?? 204, reply?.headers).end();
        });
      });
      const starting = server;
      await new Promise<void>((resolve, reject) => starting.once('error', reject).listen(port, '127.0.0.1', resolve)).catch((error: unknown) => {
        server = undefined; // a failed listen leaves nothing to stop, and a later start may try again
        throw error;
      });
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
