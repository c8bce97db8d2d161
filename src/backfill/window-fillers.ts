import type { Config } from '../config';
import { localQuotas, type QuotaSource } from './quota';
import { createNeteaseWindowFiller } from './netease/window-filler';
import { roamHistoryApi, tencentC2CWindowFiller } from './tencent/c2c-window-filler';
import type { WindowFiller } from './window-filler';

const neteaseHistoryApi = 'netease/history';

/** A vendor's window filler and the API it reads (the `api` label of the backfill metrics). */
export interface WindowFillerEntry {
  readonly api: string;
  readonly filler: WindowFiller;
  /** The filler reads the whole app (an hourly file), not conversation by conversation: its windows get no conversations and a dry run counts the messages a counter finds (`window-requests.ts`). */
  readonly wholeApp?: true;
}

/**
 * The window fillers of the vendors whose backfill is configured, by vendor name: one line per vendor,
 * each building its filler only when its settings are present, with its quotas (per app and API) from
 * `quotas`.
 */
const registry: readonly (readonly [string, (config: Config, quotas: QuotaSource) => WindowFillerEntry | undefined])[] = [
  ['tencent', (c, quotas) => {
    const settings = c.backfill.tencent;
    return settings && { api: roamHistoryApi, filler: tencentC2CWindowFiller(settings, { perSecond: settings.perSecond, quotaOf: (app) => quotas({ vendor: 'tencent', app, api: roamHistoryApi }, { perSecond: settings.perSecond }) }) };
  }],
  // One-to-one, team and super-team history under one label (the `backfill` attribute names each API).
  ['netease', (c, quotas) => {
    const settings = c.backfill.netease;
    return settings && { api: neteaseHistoryApi, filler: createNeteaseWindowFiller(settings, { quota: quotas({ vendor: 'netease', app: settings.appKey, api: neteaseHistoryApi }, { perSecond: settings.perSecond }) }) };
  }],
];

/** The fillers of the configured vendors, their calls taken from `quotas` (`backfillQuotas`: counted in the vendor's windows, shared between pods with Redis). */
export function buildWindowFillers(config: Config, quotas: QuotaSource): ReadonlyMap<string, WindowFillerEntry> {
  const fillers = new Map<string, WindowFillerEntry>();
  for (const [vendor, build] of registry) {
    const entry = build(config, quotas);
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
  // Fillers built only to be listed: they make no call, so this pod's plain quotas will do.
  const vendors = new Map([...buildWindowFillers(config, localQuotas())].map(([vendor, entry]) => [vendor, { wholeApp: entry.wholeApp === true }]));
  if (asked === 'by hand' && config.backfill.easemob !== undefined) vendors.set('easemob', { wholeApp: true });
  return vendors;
}
