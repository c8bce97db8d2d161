import { join } from 'node:path';
import { loadUndici } from '../../protocols/vendor-call';
import type { Sink, SinkDeps } from '../sink';
import { openRelayJournal } from './journal';
import { createRelayRunner, type RelayRunnerOptions, type RelayStep } from './runner';

/** Who a relay sink is: its name, the relay keys it marks with, and its warnings. */
export interface RelayIdentity {
  readonly name: string;
  readonly relayKeys: readonly string[];
  readonly warn: (fields: object, message: string) => void;
}

/** A relay sink's name (the target's type unless configured) and keys; refuses to go on without RELAY_KEY. */
export function relayIdentity(type: string, config: { readonly name?: string }, deps: SinkDeps): RelayIdentity {
  const name = config.name ?? type;
  const relayKeys = deps.relayKeys ?? [];
  if (relayKeys.length === 0) throw new Error(`${type} sink "${name}": RELAY_KEY is not set; a relay cannot mark what it sends without it`);
  return { name, relayKeys, warn: (fields, message) => deps.logger?.warn({ sink: name, ...fields }, message) };
}

/** The settings every relay target has (../settings.ts) that the journal and the write loop take. */
interface RelayLoopSettings {
  readonly journalRetentionMs: number;
  readonly journalMaxBytes: number;
  readonly unansweredResends: number;
  readonly parallelSends: number;
}

export interface RelaySinkParts<S extends RelayStep> {
  /** The target's sink type: names the journal file, `DATA_DIR/<type>-<name>.journal.sqlite`. */
  readonly type: string;
  /** The target's name in errors (`Tencent`, `NetEase`, `Easemob`). */
  readonly target: string;
  readonly identity: RelayIdentity;
  readonly settings: RelayLoopSettings;
  readonly dataDir: string;
  readonly clock: () => number;
  readonly plan: RelayRunnerOptions<S>['plan'];
  readonly send: RelayRunnerOptions<S>['send'];
  /** The Redis client sharing the quotas, disconnected at close. */
  readonly redis?: { disconnect(): void };
  readonly check?: Sink['check'];
}

/**
 * The sink every relay target is: its send journal, the shared write loop (./runner.ts) over the
 * target's plan and send, and a close that runs once (the journal, then the quota's Redis client).
 */
export function relaySink<S extends RelayStep>(parts: RelaySinkParts<S>): Sink {
  // Its HTTP client now, not at the first event's send (see `loadUndici`).
  loadUndici();
  const { name, relayKeys, warn } = parts.identity;
  const journal = openRelayJournal(join(parts.dataDir, `${parts.type}-${name}.journal.sqlite`), {
    retentionMs: parts.settings.journalRetentionMs,
    maxBytes: parts.settings.journalMaxBytes,
    clock: parts.clock,
    onPruned: (entries) => warn({ entries }, 'relay journal over journalMaxBytes: the oldest entries were dropped early (a redelivery of those events would send them again)'),
    onFlushFailed: (failure) => warn({ err: failure.cause ?? failure }, `${failure.message} (docs/runbooks.md: a relay journal cannot be flushed)`),
  });
  const runner = createRelayRunner({
    target: parts.target,
    journal,
    relayKeys,
    unansweredResends: parts.settings.unansweredResends,
    parallelSends: parts.settings.parallelSends,
    plan: parts.plan,
    send: parts.send,
    warn,
  });
  let closed = false;
  return {
    name,
    write: (batch, signal) => runner.write(batch, signal),
    ...(parts.check ? { check: parts.check } : {}),
    journalBytes: () => journal.bytes(),
    fault: () => journal.fault(),
    async close() {
      if (closed) return;
      closed = true;
      journal.close();
      parts.redis?.disconnect();
    },
  };
}
