'use strict';
// An open-loop load generator for latency at a fixed rate: request i is due at start + i / rate, evenly
// spread in time, whatever the server does. A scheduler issues every request that is due (all of them
// at once when it runs late, so the rate is kept), over a pool of at most `connections` keep-alive
// HTTP/1.1 connections (node:http Agent). Each request's latency runs from its *scheduled* time to the
// end of its reply, so time spent waiting for a free connection while the server is slow counts (no
// coordinated omission: a stall shows in the percentiles of every request it held up, not just one).
//
// autocannon (lib/load.mjs) stays for saturation. Its `overallRate` is enforced per second: each
// connection sends its whole quota for the second back to back at the start of the second and then
// waits, so its "fixed rate" is a burst at full speed every second and p99 measures the queue in it.
//
// The scheduler sleeps on a timer for the whole milliseconds until the next request is due and spins on
// setImmediate for the rest (sub-millisecond precision; replies are still read between turns). Sleeping
// matters on a shared core: the kernel lets a task that mostly sleeps run as soon as it wakes, while a
// task that spins all the time waits behind the others (at 692/s under load, the p99 of how late
// requests were issued went from 19-62 ms spinning to 6-21 ms). Above ~1,000/s it spins all the time.
// Shared by the benchmarks and test/unit/bench/paced.test.ts.
const { Agent, request } = require('node:http');
const { performance } = require('node:perf_hooks');
const { sample, signedPath, nextKey, bodyWithKey, isOk } = require('./signed.js');

const round2 = (x) => Math.round(x * 100) / 100;

/** p50/p90/p99/max/mean of `values` (ms), each rounded to 0.01 ms; NaN when there are none. */
function summary(values) {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  const at = (q) => (n ? round2(sorted[Math.max(0, Math.ceil(q * n) - 1)]) : NaN);
  let sum = 0;
  for (const v of sorted) sum += v;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1), mean: n ? round2(sum / n) : NaN };
}

/**
 * Sends signed callbacks to 127.0.0.1:`port` at `rate` requests/s for `duration` seconds, evenly paced,
 * over at most `connections` keep-alive connections; then waits up to `grace` seconds for the replies
 * still due and stops. `body` is the template (each request gets a fresh MsgKey); `acked` (a Set)
 * receives every MsgKey answered OK. Resolves with the same fields as lib/load.mjs's signedLoad where
 * they exist: `okReplies`, `requests.total` (answered), `latency.p50/p90/p99/max/mean` (ms, from the
 * scheduled time), `duration` (s, the schedule), `errors`, `timeouts` (not answered by the end of the
 * grace, sent or not), `non2xx`; plus `requests.sent`, `requests.scheduled`, `sendRate` (requests sent
 * per second while the schedule ran) and `sendLag` (how late the scheduler issued requests, ms).
 */
function pacedLoad({ port, rate, duration, connections = 32, grace = 5, body = sample.body, acked }) {
  if (!(rate > 0) || !(duration > 0)) throw new Error(`pacedLoad needs a positive rate and duration (got ${rate}/s for ${duration} s)`);
  const bodyFor = bodyWithKey(body);
  const agent = new Agent({ keepAlive: true, maxSockets: connections, noDelay: true });
  const interval = 1000 / rate;
  const scheduled = Math.round(rate * duration);
  const latencies = [];
  const lags = [];
  const inflight = new Set();
  let next = 0;
  let lastSendAt = 0;
  let answered = 0;
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let stopped = false;
  let finish;
  const finished = new Promise((resolve) => (finish = resolve));
  const start = performance.now();

  const stop = () => {
    if (stopped) return;
    stopped = true;
    clearTimeout(deadline);
    for (const req of inflight) req.destroy();
    inflight.clear();
    agent.destroy();
    finish();
  };
  const settle = (req) => {
    const was = inflight.delete(req);
    if (next >= scheduled && inflight.size === 0) stop();
    return was && !stopped;
  };

  function send(due) {
    const key = nextKey();
    const payload = bodyFor(key);
    lastSendAt = performance.now();
    lags.push(lastSendAt - due);
    const req = request(
      { agent, host: '127.0.0.1', port, method: 'POST', path: signedPath(), headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('error', () => undefined); // a reply cut short is counted on 'close' below
        res.on('close', () => {
          if (!inflight.has(req) || stopped) return;
          errors += 1;
          settle(req);
        });
        res.on('end', () => {
          const at = performance.now();
          if (!inflight.has(req) || stopped) return;
          answered += 1;
          latencies.push(at - due);
          if (isOk(res.statusCode, text)) {
            ok += 1;
            acked?.add(key);
          } else if (res.statusCode < 200 || res.statusCode >= 300) non2xx += 1;
          settle(req);
        });
      },
    );
    inflight.add(req);
    req.on('error', () => {
      if (inflight.has(req) && !stopped) errors += 1;
      settle(req);
    });
    req.end(payload);
  }

  function tick() {
    if (stopped) return;
    const now = performance.now();
    while (next < scheduled && start + next * interval <= now) {
      send(start + next * interval);
      next += 1;
    }
    if (next >= scheduled) {
      if (inflight.size === 0) stop();
      return;
    }
    const wait = start + next * interval - performance.now();
    if (wait >= 1) setTimeout(tick, Math.floor(wait));
    else setImmediate(tick);
  }

  const deadline = setTimeout(stop, (duration + grace) * 1000);
  tick();
  return finished.then(() => ({
    rate,
    duration,
    connections,
    okReplies: ok,
    requests: { total: answered, sent: lags.length, scheduled },
    sendRate: lags.length ? round2(lags.length / ((lastSendAt - start + interval) / 1000)) : 0,
    latency: summary(latencies),
    sendLag: summary(lags),
    errors,
    timeouts: scheduled - answered - errors,
    non2xx,
  }));
}

module.exports = { pacedLoad };
