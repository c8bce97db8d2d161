import { Agent, request } from 'node:http';
import type { TencentFixture } from '../helpers/fixtures';
import { callbackPath } from '../helpers/tencent';

export interface Answer {
  readonly status: number;
  readonly ok: boolean;
  /** The gateway that answered, as nginx reports it (X-Upstream). */
  readonly upstream: string;
}

/** One signed callback with `msgKey` to `port`; a network error is an answer with status 0. */
export function send(agent: Agent, port: number, fixture: TencentFixture, msgKey: string): Promise<Answer> {
  const payload = Buffer.from(JSON.stringify({ ...fixture.body, MsgKey: msgKey }));
  const path = callbackPath(fixture.query, { requestTime: Math.floor(Date.now() / 1000) });
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path, agent, headers: { 'content-type': 'application/json', 'content-length': payload.length } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          const upstream = String(res.headers['x-upstream'] ?? '');
          resolve({ status: res.statusCode ?? 0, ok: res.statusCode === 200 && text.includes('"ActionStatus":"OK"'), upstream });
        });
        res.on('error', () => resolve({ status: 0, ok: false, upstream: '' }));
      },
    );
    req.setTimeout(15_000, () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, ok: false, upstream: '' }));
    req.end(payload);
  });
}

/**
 * Closed-loop signed load through the load balancer: `workers` loops, each sending the next fresh
 * MsgKey as soon as the previous answer arrives. Records which MsgKeys were answered OK, and by whom.
 */
export class SignedLoad {
  readonly acked = new Map<string, string>();
  readonly statuses = new Map<number, number>();
  private running = true;
  private next = 0;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  private readonly started = Date.now();
  private stoppedAt = 0;
  private readonly loops: Promise<void>[];

  constructor(
    private readonly port: number,
    private readonly fixture: TencentFixture,
    private readonly prefix: string,
    workers: number,
  ) {
    // Parameter properties are assigned here, after the field initialisers: start the loops last.
    this.loops = Array.from({ length: workers }, () => this.loop());
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const key = `${this.prefix}_${this.next++}`;
      const answer = await send(this.agent, this.port, this.fixture, key);
      this.statuses.set(answer.status, (this.statuses.get(answer.status) ?? 0) + 1);
      if (answer.ok) this.acked.set(key, answer.upstream);
    }
  }

  get okCount(): number {
    return this.acked.size;
  }

  /** Answers by HTTP status (0 = network error). */
  tally(): Record<string, number> {
    return Object.fromEntries([...this.statuses].map(([status, n]) => [String(status), n]));
  }

  /** OK answers per second over the run. */
  rate(): number {
    return this.acked.size / (((this.stoppedAt || Date.now()) - this.started) / 1000);
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    this.stoppedAt = Date.now();
    this.agent.destroy();
  }
}
