// The benchmark's fixed-rate load generator (bench/lib/paced.js): requests evenly spread in time (not a
// burst at the start of every second, as autocannon's overallRate sends them), and latency measured
// from each request's scheduled time, so requests held up behind a slow reply count as slow.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { pacedLoad } from '../../../bench/lib/paced';

const OK = JSON.stringify({ ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 });

interface Recorder {
  port: number;
  /** performance.now() of every request's arrival, in arrival order. */
  arrivals: number[];
  close(): Promise<void>;
}

/** A Tencent-like receiver that records arrivals and answers request n (from 0) after `holdMs(n)` ms. */
async function recorder(holdMs: (n: number) => number): Promise<Recorder> {
  const arrivals: number[] = [];
  const server: Server = createServer((req, res) => {
    const n = arrivals.push(performance.now()) - 1;
    req.resume();
    req.on('end', () => {
      const reply = () => res.writeHead(200, { 'content-type': 'application/json' }).end(OK);
      const hold = holdMs(n);
      if (hold > 0) setTimeout(reply, hold);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    arrivals,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('paced load (bench/lib/paced.js)', () => {
  let server: Recorder | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('spreads 200 requests/s evenly over the second instead of bursting them', async () => {
    server = await recorder(() => 0);
    const acked = new Set<string>();
    const r = await pacedLoad({ port: server.port, rate: 200, duration: 1, connections: 8, acked });

    expect(r.requests).toEqual({ total: 200, sent: 200, scheduled: 200 });
    expect(r.okReplies).toBe(200);
    expect(acked.size).toBe(200);
    expect(r.errors + r.timeouts + r.non2xx).toBe(0);
    const arrivals = server.arrivals;
    expect(arrivals).toHaveLength(200);
    // Evenly paced: the last request is due 995 ms after the first.
    expect(arrivals[199]! - arrivals[0]!).toBeGreaterThan(900);
    // No 100 ms window holds more than twice its share (20); a per-second burst puts all 200 in one.
    let busiest = 0;
    for (let i = 0, j = 0; i < arrivals.length; i++) {
      while (j < arrivals.length && arrivals[j]! < arrivals[i]! + 100) j++;
      busiest = Math.max(busiest, j - i);
    }
    expect(busiest).toBeLessThanOrEqual(40);
  });

  it('counts the wait behind a stalled reply from each request’s scheduled time', async () => {
    // One connection; the 51st request is held 200 ms. The ~40 requests due meanwhile wait in the
    // client. Timed from when they were sent they would look fast (p99 of a few ms: one slow reply in
    // 200); timed from their schedule they show the stall, 200 ms down to 5 ms.
    server = await recorder((n) => (n === 50 ? 200 : 0));
    const r = await pacedLoad({ port: server.port, rate: 200, duration: 1, connections: 1 });

    expect(r.okReplies).toBe(200);
    expect(r.errors + r.timeouts).toBe(0);
    const arrivals = server.arrivals;
    // Nothing reached the server during the hold: the requests due then were queued in the client.
    expect(arrivals[51]! - arrivals[50]!).toBeGreaterThanOrEqual(195);
    expect(r.latency.p99).toBeGreaterThanOrEqual(150);
    expect(r.latency.p90).toBeGreaterThanOrEqual(50);
    // And not timed from the start of the run: the typical request is still fast.
    expect(r.latency.p50).toBeLessThan(50);
  });
});
