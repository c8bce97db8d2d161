import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { DeliveryOutcome } from './pipeline/delivery-observer';
import type { Relief, SpoolSnapshot } from './pipeline/pressure';
import type { MessageFacts } from './events/intake';
import { createGapMetrics } from './gap-metrics';

/** Outcomes of one callback request; the `outcome` label of `imgw_callbacks_total`. */
export type CallbackOutcome = 'accepted' | 'duplicate' | 'quarantined' | 'ignored' | 'rejected' | 'failed';
/** Outcomes of one sink write; the `outcome` label of `imgw_sink_deliveries_total`. */
export type { DeliveryOutcome };

/** The spool's latest reading (taken once per interval by the pressure watch; scrapes never query the spool). */
export interface SpoolSnapshotSource {
  snapshot(): SpoolSnapshot;
}

/**
 * Declares every metric of the service on `registry` and returns verbs to record them. Every label
 * value comes from a closed set (vendors, known commands or `other`, reasons, sink names).
 */
export function createMetrics(registry: Registry, sinkNames: readonly string[] = []) {
  const registers = [registry];
  const callbacks = new Counter({
    name: 'imgw_callbacks_total',
    help: 'Callback requests answered, by vendor, command and outcome.',
    labelNames: ['vendor', 'command', 'outcome'] as const,
    registers,
  });
  const duration = new Histogram({
    name: 'imgw_callback_duration_seconds',
    help: 'Time from request in to reply out.',
    labelNames: ['vendor', 'command'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
    registers,
  });
  const errors = new Counter({
    name: 'imgw_callback_errors_total',
    help: 'Callbacks rejected, failed or quarantined, by reason.',
    labelNames: ['vendor', 'reason'] as const,
    registers,
  });
  const ignored = new Counter({
    name: 'imgw_callbacks_ignored_total',
    help: 'Authenticated callbacks answered as success without storing anything: console probes, and messages this gateway relayed itself.',
    labelNames: ['vendor', 'reason'] as const,
    registers,
  });
  const suspicious = new Counter({
    name: 'imgw_callbacks_suspicious_total',
    help: 'Accepted callbacks stored as ordinary content although they pose as something only the gateway makes: forged_relay_marker = a relay marker that does not verify.',
    labelNames: ['vendor', 'reason'] as const,
    registers,
  });
  const platforms = new Counter({
    name: 'imgw_callback_platforms_total',
    help: 'Accepted callbacks by client platform (Tencent OptPlatform, NetEase fromClientType, ...; unknown values count as other).',
    labelNames: ['vendor', 'platform'] as const,
    registers,
  });
  const elements = new Counter({
    name: 'imgw_message_elements_total',
    help: 'Message body elements in accepted messages, by element type.',
    labelNames: ['vendor', 'msg_type'] as const,
    registers,
  });
  const sendFailures = new Counter({
    name: 'imgw_message_send_failures_total',
    help: 'Accepted messages the vendor reports as not delivered to the recipient (e.g. Tencent SendMsgResult not 0).',
    labelNames: ['vendor'] as const,
    registers,
  });
  const lag = new Histogram({
    name: 'imgw_message_lag_seconds',
    help: "Time from the message being sent (the vendor's send time) to the callback arriving.",
    labelNames: ['vendor'] as const,
    buckets: [0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600],
    registers,
  });
  const unread = new Histogram({
    name: 'imgw_unread_messages',
    help: "Recipient's unread one-to-one message count after the message, where the vendor reports it (Tencent UnreadMsgNum, when not negative).",
    labelNames: ['vendor'] as const,
    buckets: [0, 1, 2, 5, 10, 20, 50, 100, 500, 1000],
    registers,
  });
  const deliveries = new Counter({
    name: 'imgw_sink_deliveries_total',
    help: 'Events handed to a sink, by sink and write outcome.',
    labelNames: ['sink', 'outcome'] as const,
    registers,
  });
  const deliveryDuration = new Histogram({
    name: 'imgw_sink_delivery_duration_seconds',
    help: 'Time one batch write to a sink took.',
    labelNames: ['sink'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  let spoolSource: SpoolSnapshotSource | undefined;
  let openCircuits: () => readonly { sink: string }[] = () => [];
  let ready: () => boolean = () => true;
  new Gauge({
    name: 'imgw_ready',
    help: 'Whether /readyz answers ready (1) or not (0: draining, spool not committing, or over a spool bound).',
    registers,
    collect() {
      this.set(ready() ? 1 : 0);
    },
  });
  let clock: () => number = Date.now;
  const backlogOf = () => {
    const rows = spoolSource?.snapshot().backlog ?? [];
    return sinkNames.map((sink) => rows.find((row) => row.sink === sink) ?? { sink, pending: 0, oldestReceivedAt: undefined });
  };
  new Gauge({
    name: 'imgw_spool_pending_events',
    help: 'Events in the spool not yet delivered to the sink.',
    labelNames: ['sink'] as const,
    registers,
    collect() {
      for (const row of backlogOf()) this.set({ sink: row.sink }, row.pending);
    },
  });
  new Gauge({
    name: 'imgw_spool_oldest_pending_seconds',
    help: 'Age of the oldest event not yet delivered to the sink (0 when none is pending).',
    labelNames: ['sink'] as const,
    registers,
    collect() {
      const now = clock();
      for (const row of backlogOf()) {
        this.set({ sink: row.sink }, row.oldestReceivedAt === undefined ? 0 : Math.max(0, (now - row.oldestReceivedAt) / 1000));
      }
    },
  });
  new Gauge({
    name: 'imgw_dead_letter_events',
    help: 'Events the sink gave up on (permanent error, attempt or age limit), waiting for a redrive.',
    labelNames: ['sink'] as const,
    registers,
    collect() {
      const rows = spoolSource?.snapshot().deadLetters ?? [];
      for (const sink of sinkNames) this.set({ sink }, rows.find((row) => row.sink === sink)?.count ?? 0);
    },
  });
  new Gauge({
    name: 'imgw_spool_orphaned_events',
    help: 'Events pending for a sink that is no longer configured: not delivered, not counted toward the bounds (imgw pending drop|move).',
    labelNames: ['sink'] as const,
    registers,
    collect() {
      this.reset();
      for (const row of spoolSource?.snapshot().orphans ?? []) this.set({ sink: row.sink }, row.pending);
    },
  });
  new Gauge({
    name: 'imgw_spool_history_seconds',
    help: 'Age of the oldest stored event: how far back de-duplication and replay reach (shorter than SPOOL_RETENTION under byte pressure).',
    registers,
    collect() {
      const from = spoolSource?.snapshot().historyFrom;
      this.set(from === undefined ? 0 : Math.max(0, (clock() - from) / 1000));
    },
  });
  new Gauge({
    name: 'imgw_spool_bytes',
    help: 'Bytes of spool data counted against SPOOL_MAX_BYTES (live pages, without the quarantine).',
    registers,
    collect() {
      this.set(spoolSource?.snapshot().bytes ?? 0);
    },
  });
  let relayJournals: () => readonly { sink: string; bytes: number }[] = () => [];
  new Gauge({
    name: 'imgw_relay_journal_bytes',
    help: "Bytes in use in a relay sink's send journal (DATA_DIR/<type>-<name>.journal.sqlite), bounded by its journalMaxBytes.",
    labelNames: ['sink'] as const,
    registers,
    collect() {
      this.reset();
      for (const { sink, bytes } of relayJournals()) this.set({ sink }, bytes);
    },
  });
  let yieldFactor: () => number = () => 1;
  new Gauge({
    name: 'imgw_background_yield_factor',
    help: "How many times their usual rest background work takes between steps (bulk admin changes, a sink's backlog of retries): 1 while callbacks' commits take their usual time, up to 16 while some stand out as slow or a large bulk job has just started (halving every 10 s).",
    registers,
    collect() {
      this.set(yieldFactor());
    },
  });
  const spoolFlushes = new Histogram({
    name: 'imgw_spool_flush_seconds',
    help: "The spool's WAL flushes (fdatasync on libuv's thread pool), from the start until the event loop takes the result: every reply in spool mode waits for one, and when it is slow, the disk (or a starved CPU) is why callbacks are.",
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers,
  });
  const underivable = new Counter({
    name: 'imgw_spool_underivable_events_total',
    help: "Stored events read back that the vendor's mapping could not make again (the vendor is not configured on this gateway, or no longer maps the body): delivered with their id, body and receive time under the type im.gateway.underivable. Configure the vendor again, or look at the events of that type.",
    labelNames: ['vendor'],
    registers,
  });
  const pressurePruned = new Counter({
    name: 'imgw_spool_pressure_pruned_events_total',
    help: 'Delivered events removed before SPOOL_RETENTION to keep the spool under SPOOL_MAX_BYTES.',
    registers,
  });
  const quarantineDropped = new Counter({
    name: 'imgw_quarantine_dropped_total',
    help: 'Quarantined requests removed (oldest first) to keep the quarantine under QUARANTINE_MAX_BYTES, by vendor and quarantine reason.',
    labelNames: ['vendor', 'reason'] as const,
    registers,
  });
  new Gauge({
    name: 'imgw_quarantine_bytes',
    help: 'Bytes of quarantined request bodies (capped by QUARANTINE_MAX_BYTES, oldest dropped first).',
    registers,
    collect() {
      this.set(spoolSource?.snapshot().quarantine.bytes ?? 0);
    },
  });
  new Gauge({
    name: 'imgw_sink_circuit_open',
    help: 'Whether the circuit breaker of the sink is open (1) or closed (0).',
    labelNames: ['sink'] as const,
    registers,
    collect() {
      const open = new Set(openCircuits().map((c) => c.sink));
      for (const sink of sinkNames) this.set({ sink }, open.has(sink) ? 1 : 0);
    },
  });
  let unreachable: () => readonly string[] = () => [];
  new Gauge({
    name: 'imgw_sink_reachable',
    help: 'Whether the sink could be reached at its last health check or delivery (1) or not (0); checked at start, then every 30 s while unreachable. Sinks without a check count as reachable.',
    labelNames: ['sink'] as const,
    registers,
    collect() {
      const down = new Set(unreachable());
      for (const sink of sinkNames) this.set({ sink }, down.has(sink) ? 0 : 1);
    },
  });
  for (const sink of sinkNames) for (const outcome of ['ok', 'error', 'timeout'] as const) deliveries.inc({ sink, outcome }, 0);

  const gaps = createGapMetrics(registers, () => clock());
  return {
    ...gaps.verbs,
    callbackHandled(vendor: string, command: string, outcome: CallbackOutcome, seconds: number): void {
      callbacks.inc({ vendor, command, outcome });
      duration.observe({ vendor, command }, seconds);
    },
    callbackError(vendor: string, reason: string): void {
      errors.inc({ vendor, reason });
    },
    callbackIgnored(vendor: string, reason: string): void {
      ignored.inc({ vendor, reason });
    },
    messageAccepted(vendor: string, message: MessageFacts): void {
      platforms.inc({ vendor, platform: message.platform });
      for (const msgType of message.msgTypes) elements.inc({ vendor, msg_type: msgType });
      if (message.sendFailed) sendFailures.inc({ vendor });
      if (message.forgedRelayMarker) suspicious.inc({ vendor, reason: 'forged_relay_marker' });
      if (message.lagSeconds !== undefined) lag.observe({ vendor }, Math.max(0, message.lagSeconds));
      if (message.unread !== undefined && message.unread >= 0) unread.observe({ vendor }, message.unread);
    },
    sinkDelivered(sink: string, outcome: DeliveryOutcome, events: number, seconds: number): void {
      deliveries.inc({ sink, outcome }, events);
      deliveryDuration.observe({ sink }, seconds);
    },
    /** The readiness gauge reads the blocking readiness checks at scrape time. */
    watchReadiness(source: () => boolean): void {
      ready = source;
    },
    /** The circuit gauge reads the dispatcher's state at scrape time. */
    watchCircuits(source: () => readonly { sink: string }[]): void {
      openCircuits = source;
    },
    /** The reachability gauge reads the sink health checks' state at scrape time. */
    watchSinkHealth(source: () => readonly string[]): void {
      unreachable = source;
    },
    /** The relay journal gauge reads each relay sink's journal size at scrape time. */
    watchRelayJournals(source: () => readonly { sink: string; bytes: number }[]): void {
      relayJournals = source;
    },
    /** The background yield gauge reads the ingest guard's factor at scrape time. */
    watchYieldFactor(source: () => number): void {
      yieldFactor = source;
    },
    /** One WAL flush of the spool finished, after `seconds`. */
    spoolFlushed(seconds: number): void {
      spoolFlushes.observe(seconds);
    },
    /** A stored event read back could not be made again by its vendor's mapping. */
    spoolUnderivable(vendor: string): void {
      underivable.inc({ vendor });
    },
    /** Delivered events were pruned early under byte pressure. */
    spoolRelieved(relief: Relief): void {
      pressurePruned.inc(relief.removed);
    },
    /** Quarantined requests were dropped by the quarantine's byte cap. */
    quarantineDropped(dropped: readonly { vendor: string; reason: string }[]): void {
      for (const { vendor, reason } of dropped) quarantineDropped.inc({ vendor, reason });
    },
    /** The spool gauges read the latest snapshot at scrape time. */
    watchSpool(source: SpoolSnapshotSource, now: () => number = Date.now): void {
      spoolSource = source;
      clock = now;
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
