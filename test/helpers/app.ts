import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { Response } from 'supertest';
import { loadConfig, type Config } from '../../src/config';
import { createMetrics } from '../../src/metrics';
import type { SpoolLimits } from '../../src/pipeline/pressure';
import { ackMode } from '../../src/parts/ack-mode';
import { createCallbackApp } from '../../src/parts/callback-server';
import { startHousekeeping } from '../../src/parts/housekeeping';
import { pipelineOver } from '../../src/parts/pipeline';
import { openServiceSpool } from '../../src/parts/spool';
import { createStops } from '../../src/parts/stops';
import { guardSink } from '../../src/sinks/guard';
import { MemorySink } from '../../src/sinks/memory-sink';
import { buildVendors } from '../../src/vendors/registry';
import type { TencentSettings } from '../../src/vendors/tencent/intake';
import { TEST_NOW_MS, TEST_TOKEN } from './tencent';

export interface TestAppOptions {
  readonly tencent?: Partial<TencentSettings>;
  /** Vendor settings as environment variables, read through the real configuration schema (e.g. NETEASE_APP_SECRETS). */
  readonly env?: Readonly<Record<string, string>>;
  readonly limits?: SpoolLimits;
  readonly ratePerSecond?: number;
  /** AUTH_FAILURE_RATE_LIMIT; 0 (the default here) = none. */
  readonly authFailureRate?: number;
  /** TRUSTED_PROXIES: requests from them are from their X-Forwarded-For client (no connection limit). */
  readonly trustedProxies?: readonly string[];
  readonly maxBodyBytes?: number;
  /** QUARANTINE_MAX_BYTES; 0 (the default here) = no cap. */
  readonly quarantineMaxBytes?: number;
  readonly now?: number;
  /** Free bytes the spool reads for its volume (`statfs` unless given): a full disk with `max_page_count`. */
  readonly freeBytes?: () => number | undefined;
}

/** Quick retries and no circuit, so a test sees a recovered sink at once. */
const memoryLane = { type: 'memory', batchSize: 100, timeoutMs: 1000, retryInitialMs: 10, retryMaxMs: 50, maxAgeMs: 0, circuitBreaker: { failureThreshold: 0 } };

/** The service's configuration for a test app: one memory sink, the options, the test's Tencent app. */
function testConfig(dataDir: string, options: TestAppOptions): Config {
  const config = loadConfig({ ...options.env }, { sinks: [memoryLane] });
  return {
    ...config,
    dataDir,
    spoolLimits: options.limits ?? { maxPending: 0, maxBytes: 0, maxAgeMs: 0 },
    quarantine: { ...config.quarantine, maxBytes: options.quarantineMaxBytes ?? 0 },
    maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
    ingestRateLimit: options.ratePerSecond ?? 0,
    authFailureRateLimit: options.authFailureRate ?? 0,
    // No connection limit: supertest opens every request from one address.
    maxConnectionsPerClient: 0,
    trustedProxies: options.trustedProxies ?? [],
    vendors: {
      ...config.vendors,
      tencent: {
        sdkAppIds: ['1400000001'],
        // TENCENT_CALLBACK_TOKENS in `env` is read through the real schema; otherwise the test token.
        callbackTokens: (config.vendors.tencent as TencentSettings | undefined)?.callbackTokens ?? [TEST_TOKEN],
        signWindowSeconds: 60,
        ...options.tencent,
      },
    },
  };
}

/**
 * The service's own parts (ack mode, spool, pipeline, callback app, housekeeping, stop steps) over a
 * real SQLite spool in a temporary directory and a MemorySink, without listeners: supertest serves the
 * app. One clock drives everything (signature freshness, dispatcher, rate limiter, bounds, gauges): it
 * stands still at `now` unless a test moves `clock.now`. Lanes and bounds poll every 20 ms.
 */
export function buildTestApp(options: TestAppOptions = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'imgw-test-'));
  const config = testConfig(dataDir, options);
  const mode = ackMode(config);
  const registry = new Registry();
  const metrics = createMetrics(registry, ['memory']);
  const clock = { now: options.now ?? TEST_NOW_MS };
  const now = () => clock.now;
  const logger = pino({ level: 'silent' });
  const stops = createStops();
  const vendors = buildVendors(config.vendors, { clock: now, relayKeys: config.relayKeys });
  const spool = openServiceSpool(config, mode, { metrics, logger, stops, vendors: vendors.active, backgroundCheckpoints: false, freeBytes: options.freeBytes });
  const sink = new MemorySink();
  const pipeline = pipelineOver([guardSink(sink, 'memory')], config, mode, { spool, metrics, logger, clock: now, stops, pollMs: 20 });
  startHousekeeping(config, mode, { spool, pressure: pipeline.pressure, registry, logger, clock: now, stops });
  const { app } = createCallbackApp(config, mode, { spool, pipeline, vendors, metrics, registry, logger, clock: now, stops });
  return {
    app,
    sink,
    spool,
    registry,
    clock,
    dataDir,
    pressure: pipeline.pressure,
    async close() {
      await stops.run();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type TestApp = ReturnType<typeof buildTestApp>;

/** Asserts the Tencent reply shape and the given fields. */
export function expectTencentReply(
  res: Response,
  expected: { status: number; ActionStatus: 'OK' | 'FAIL'; ErrorCode?: number; ErrorInfo?: string | RegExp },
): void {
  expect(res.status).toBe(expected.status);
  expect(res.headers['content-type']).toMatch(/application\/json/);
  expect(Object.keys(res.body).sort()).toEqual(['ActionStatus', 'ErrorCode', 'ErrorInfo']);
  expect(res.body.ActionStatus).toBe(expected.ActionStatus);
  expect(res.body.ErrorCode).toBe(expected.ErrorCode ?? (expected.ActionStatus === 'OK' ? 0 : 1));
  if (expected.ErrorInfo instanceof RegExp) expect(res.body.ErrorInfo).toMatch(expected.ErrorInfo);
  else if (expected.ErrorInfo !== undefined) expect(res.body.ErrorInfo).toBe(expected.ErrorInfo);
}

/** The current value of one series, or undefined when it does not exist. */
export async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric named ${name}`);
  const { values } = await metric.get();
  const match = values.find(
    (value) =>
      (value as { metricName?: string }).metricName === undefined &&
      Object.entries(labels).every(([key, wanted]) => String((value.labels as Record<string, unknown>)[key]) === wanted),
  );
  return match?.value;
}

/** Sum of a histogram's observations count for the given labels. */
export async function histogramCount(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric named ${name}`);
  const { values } = await metric.get();
  return values
    .filter(
      (value) =>
        (value as { metricName?: string }).metricName === `${name}_count` &&
        Object.entries(labels).every(([key, wanted]) => String((value.labels as Record<string, unknown>)[key]) === wanted),
    )
    .reduce((sum, value) => sum + value.value, 0);
}
