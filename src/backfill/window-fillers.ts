import type { Config } from '../config';
import { createQuota } from './quota';
import { createNeteaseWindowFiller } from './netease/window-filler';
import { roamHistoryApi, tencentC2CWindowFiller } from './tencent/c2c-window-filler';
import type { WindowFiller } from './window-filler';

/** A vendor's window filler and the API it reads (the `api` label of the backfill metrics). */
export interface WindowFillerEntry {
  readonly api: string;
  readonly filler: WindowFiller;
  /** The filler reads the whole app (an hourly file), not conversation by conversation: its windows get no conversations and a dry run counts none. */
  readonly wholeApp?: true;
}

/**
 * The window fillers of the vendors whose backfill is configured, by vendor name: one line per vendor,
 * each building its filler (with its own client-side quota) only when its settings are present.
 */
const registry: readonly (readonly [string, (config: Config) => WindowFillerEntry | undefined])[] = [
  ['tencent', (c) => c.backfill.tencent && { api: roamHistoryApi, filler: tencentC2CWindowFiller(c.backfill.tencent, { quota: createQuota({ perSecond: c.backfill.tencent.perSecond }) }) }],
  // One-to-one, team and super-team history under one label (the `backfill` attribute names each API).
  ['netease', (c) => c.backfill.netease && { api: 'netease/history', filler: createNeteaseWindowFiller(c.backfill.netease) }],
];

export function buildWindowFillers(config: Config): ReadonlyMap<string, WindowFillerEntry> {
  const fillers = new Map<string, WindowFillerEntry>();
  for (const [vendor, build] of registry) {
    const entry = build(config);
    if (entry) fillers.set(vendor, entry);
  }
  return fillers;
}

/**
 * The vendors whose backfill reads windows, and whether each reads the whole app: the registry's
 * configured ones, and for windows asked for by hand also Easemob when its hourly files are read (its
 * filler shares their quota and token, so the hourly reconciliation builds it and hands it to the
 * worker). Easemob gets no outage windows: every hour is reconciled anyway, outages included, and a
 * window would read the same files again from an API allowed 10 calls a minute.
 */
export function windowVendors(config: Config, asked: 'outage' | 'by hand'): ReadonlyMap<string, { readonly wholeApp: boolean }> {
  const vendors = new Map([...buildWindowFillers(config)].map(([vendor, entry]) => [vendor, { wholeApp: entry.wholeApp === true }]));
  if (asked === 'by hand' && config.backfill.easemob !== undefined) vendors.set('easemob', { wholeApp: true });
  return vendors;
}
