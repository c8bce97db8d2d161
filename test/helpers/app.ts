import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { Response } from 'supertest';
import { createApp } from '../../src/app';
import { createClientLimit } from '../../src/http/client-limit';
import { loadConfig } from '../../src/config';
import { createMetrics } from '../../src/metrics';
import { createAcceptor } from '../../src/pipeline/accept';
import { createDispatcher } from '../../src/pipeline/dispatcher';
import { deliverySettingsSchema } from '../../src/sinks/sink';
import { openSpool } from '../../src/pipeline/spool';
import { createSpoolPressure, type SpoolLimits } from '../../src/pipeline/pressure';
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
}

/**
 * The real app with a real SQLite spool in a temporary directory, a MemorySink and a running
 * dispatcher. One clock drives everything (signature freshness, dispatcher, rate limiter, bounds,
 * gauges): it stands still at `now` unless a test moves `clock.now`.
 */
export function buildTestApp(options: TestAppOptions = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'imgw-test-'));
  const registry = new Registry();
  const metrics = createMetrics(registry, ['memory']);
  const clock = { now: options.now ?? TEST_NOW_MS };
  const now = () => clock.now;
  const spool = openSpool({
    path: join(dataDir, 'spool.db'),
    sinks: ['memory'],
    quarantine: { maxBytes: options.quarantineMaxBytes ?? 0 },
    onQuarantineDropped: (dropped) => metrics.quarantineDropped(dropped),
  });
  const sink = new MemorySink();
  const logger = pino({ level: 'silent' });
  const dispatcher = createDispatcher({
    spool,
    lanes: [{ ...deliverySettingsSchema.parse({ batchSize: 100, timeoutMs: 1000, retryInitialMs: 10, retryMaxMs: 50, maxAgeMs: 0, circuitBreaker: { failureThreshold: 0 } }), sink }],
    metrics,
    logger,
    clock: now,
    idleMs: 20,
  });
  dispatcher.start();
  const pressure = createSpoolPressure({
    spool,
    limits: options.limits ?? { maxPending: 0, maxBytes: 0, maxAgeMs: 0 },
    intervalMs: 20,
    onRelief: (relief) => metrics.spoolRelieved(relief),
    clock: now,
  });
  metrics.watchSpool(pressure, now);
  const config = loadConfig({ ...options.env });
  const vendorSettings = {
    ...config.vendors,
    tencent: {
      sdkAppIds: ['1400000001'],
      // TENCENT_CALLBACK_TOKENS in `env` is read through the real schema; otherwise the test token.
      callbackTokens: (config.vendors.tencent as TencentSettings | undefined)?.callbackTokens ?? [TEST_TOKEN],
      signWindowSeconds: 60,
      ...options.tencent,
    },
  };
  const vendors = buildVendors(vendorSettings, { clock: now, relayKeys: config.relayKeys });
  const readiness = [
    { level: 'blocking' as const, check: () => (spool.healthy ? undefined : 'the spool cannot commit') },
    { level: 'blocking' as const, check: pressure.reason },
  ];
  metrics.watchReadiness(() => readiness.every((r) => r.check() === undefined));
  const app = createApp({
    vendors: vendors.active,
    inactiveVendors: vendors.inactive,
    accept: createAcceptor({ spool }),
    maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
    metrics,
    registry,
    logger,
    clock: now,
    overloaded: pressure.refusal,
    ratePerSecond: options.ratePerSecond ?? 0,
    authFailureRate: options.authFailureRate ?? 0,
    clientLimit: options.trustedProxies ? createClientLimit({ max: 0, trustedProxies: options.trustedProxies }) : undefined,
    readiness,
  });
  return {
    app,
    sink,
    spool,
    registry,
    clock,
    dataDir,
    pressure,
    async close() {
      pressure.stop();
      await dispatcher.stop();
      spool.close();
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
