import { join } from 'node:path';
import type { Logger } from 'pino';
import { sinkName, type Config } from '../config';
import type { Metrics } from '../metrics';
import type { AcceptDeps } from '../pipeline/accept';
import { createDirectDelivery } from '../pipeline/direct';
import { createRecentIds } from '../pipeline/recent-ids';
import { sinkAccepts } from '../pipeline/routing';
import type { SpoolLimits } from '../pipeline/pressure';
import type { SinkConfig } from '../sinks/registry';

/**
 * What the acknowledgement mode decides, in one place. `spool`: every event is committed to the spool
 * on disk (locked, verified at open) before the reply. `direct`: the required sinks are written before
 * the reply; only the optional ones go through a spool in memory, which is kept short and small.
 */
export interface AckMode {
  readonly direct: boolean;
  /** `:memory:` in direct mode. */
  readonly spoolPath: string;
  /** Whether the spool is on disk (locked, checked at open, reachable by the CLI). */
  readonly onDisk: boolean;
  /** The sinks whose events go through the spool. */
  readonly spooled: readonly SinkConfig[];
  readonly limits: SpoolLimits;
  /** How long delivered events stay in the spool. */
  readonly retentionMs: number;
  /** Most events kept in the spool (direct mode's in-memory spool), or undefined. */
  readonly maxEvents: number | undefined;
  /** The acceptor's mode-specific parts, given the lanes and their observers. */
  acceptor(lanes: DirectLanes, observe: { metrics: Metrics; logger: Logger; clock: () => number }): Omit<AcceptDeps, 'spool'>;
}

type DirectLanes = Parameters<typeof createDirectDelivery>[0]['lanes'];

export function ackMode(config: Config): AckMode {
  if (config.ackMode !== 'direct') {
    return {
      direct: false, spoolPath: join(config.dataDir, 'spool.db'), onDisk: true, spooled: config.sinks, limits: config.spoolLimits,
      retentionMs: config.retentionMs, maxEvents: undefined, acceptor: () => ({}),
    };
  }
  const spooled = config.sinks.filter((sink) => !sink.required);
  const spooledAccepts = spooled.map((sink) => sinkAccepts(sink));
  // In direct mode the spool is in memory: keep ids only briefly (sinks de-duplicate by id themselves).
  const retentionMs = Math.min(config.retentionMs, 10 * 60_000);
  return {
    direct: true,
    spoolPath: ':memory:',
    onDisk: false,
    spooled,
    limits: { ...config.spoolLimits, maxBytes: 0 },
    retentionMs,
    maxEvents: config.directDedupeIds,
    acceptor: (lanes, { metrics, logger, clock }) => ({
      deliverNow: createDirectDelivery({ lanes, metrics, logger, clock }),
      spoolWants: (event) => spooledAccepts.some((accepts) => accepts(event)),
      recentIds: createRecentIds({ max: config.directDedupeIds, ttlMs: retentionMs, clock }),
    }),
  };
}

export const spooledNames = (mode: AckMode): string[] => mode.spooled.map(sinkName);
