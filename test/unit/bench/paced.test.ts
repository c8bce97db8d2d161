// The benchmark's fixed-rate load generator (bench/lib/paced.js): requests evenly spread in time (not a
// burst at the start of every second, as autocannon's overallRate sends them), and latency measured
// from each request's scheduled time, so requests held up behind a slow reply count as slow.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
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

/**
 * Runs `work` and returns its result with how long this process was held up meanwhile (ms): how much
 * longer the run took than `expectedMs`, plus how late a 10 ms timer fired, added up (it fires late when
 * the event loop is blocked or the process waits for a CPU). A process that stands still issues requests
 * late, and catches up: that is the machine's doing, not the pacer's, and bounds on lateness allow for
 * it. On an idle machine it is a few milliseconds. Every reply is waited for (a grace of 60 s: the run
 * ends with the last reply), since how long a starved process takes to read them is not what these
 * tests are about.
 */
async function heldUp<T>(expectedMs: number, work: () => Promise<T>): Promise<{ result: T; heldMs: number }> {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const started = performance.now();
  try {
    const result = await work();
    // Each sample is one 10 ms interval as it was measured: what it took beyond 10 ms, the process was held up.
    const timerDelays = Math.max(0, delay.mean / 1e6 - 10) * delay.count;
    return { result, heldMs: Math.max(0, performance.now() - started - expectedMs) + timerDelays };
  } finally {
    delay.disable();
  }
}

describe('paced load (bench/lib/paced.js)', () => {
  let server: Recorder | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('sends 200 requests/s on schedule, none ahead of it, instead of bursting them', async () => {
    server = await recorder(() => 0);
    const acked = new Set<string>();
    const before = performance.now();
    const { result: r, heldMs } = await heldUp(1000, () => pacedLoad({ port: server!.port, rate: 200, duration: 1, connections: 8, acked, grace: 60 }));

    expect(r.requests).toEqual({ total: 200, sent: 200, scheduled: 200 });
    expect(r.okReplies).toBe(200);
    expect(acked.size).toBe(200);
    expect(r.errors + r.timeouts + r.non2xx).toBe(0);
    const arrivals = server.arrivals;
    expect(arrivals).toHaveLength(200);
    // Request k is due 5k ms after the start (which is after `before`), so the k-th arrival can never be
    // earlier than that; autocannon's per-second rate sends the whole second's quota at its start.
    const ahead = arrivals.map((at, k) => before + k * 5 - at).filter((early) => early > 0);
    expect(ahead).toEqual([]);
    // Nor held back: the typical request arrives close to its time (normally well under a millisecond
    // late; a stalled process makes some late, then catches up, so the bound allows for how long the process was held up).
    // Sending the second's quota at its end would make the median 500 ms late.
    const late = arrivals.map((at, k) => at - (before + k * 5)).sort((a, b) => a - b);
    expect(late[100]).toBeLessThan(250 + heldMs);
  });

  it('counts the wait behind a stalled reply from each request’s scheduled time', async () => {
    // One connection, 100 requests/s; the 31st request is held 300 ms. The ~30 requests due meanwhile
    // wait in the client. Timed from when they got the connection they would look fast (p99 of a few ms:
    // one slow reply in 100); timed from their schedule they show the stall, 300 ms down to 10 ms.
    server = await recorder((n) => (n === 30 ? 300 : 0));
    const { result: r, heldMs } = await heldUp(1300, () => pacedLoad({ port: server!.port, rate: 100, duration: 1, connections: 1, grace: 60 }));

    expect(r.okReplies).toBe(100);
    expect(r.errors + r.timeouts).toBe(0);
    const arrivals = server.arrivals;
    // Nothing reached the server during the hold: the requests due then were queued in the client.
    expect(arrivals[31]! - arrivals[30]!).toBeGreaterThanOrEqual(295);
    expect(r.latency.p99).toBeGreaterThanOrEqual(200);
    expect(r.latency.p90).toBeGreaterThanOrEqual(100);
    // And not timed from the start of the run (that would make the median about 500 ms), allowing for
    // how long the process was held up.
    expect(r.latency.p50).toBeLessThan(150 + heldMs);
  });
});
