export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface PacedResult {
  rate: number;
  /** Seconds: the length of the schedule. */
  duration: number;
  connections: number;
  /** Replies that were the Tencent OK. */
  okReplies: number;
  /** total: answered; sent: issued; scheduled: rate x duration. */
  requests: { total: number; sent: number; scheduled: number };
  /** Requests sent per second while the schedule ran. */
  sendRate: number;
  /** ms from each request's scheduled time to the end of its reply. */
  latency: Percentiles;
  /** ms from each request's scheduled time to when the scheduler issued it. */
  sendLag: Percentiles;
  errors: number;
  /** Scheduled requests neither answered nor failed by the end of the grace. */
  timeouts: number;
  non2xx: number;
}

export interface PacedOptions {
  port: number;
  /** Requests per second, evenly spread. */
  rate: number;
  /** Seconds. */
  duration: number;
  /** Most keep-alive connections open at once (default 32). */
  connections?: number;
  /** Seconds to wait for outstanding replies after the schedule (default 5). */
  grace?: number;
  /** The callback body template; each request gets a fresh MsgKey. */
  body?: object;
  /** Receives every MsgKey answered OK. */
  acked?: Set<string>;
}

export function pacedLoad(options: PacedOptions): Promise<PacedResult>;
