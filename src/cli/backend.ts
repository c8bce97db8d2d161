import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AdminCallError, httpAdminClient, inProcessAdminClient, type AdminClient } from '../admin/client';
import { readDiscovery } from '../admin/discovery';
import { sinkName, type Config } from '../config';
import { windowRequests } from '../backfill/window-requests';
import { recheckThrough } from '../parts/admin';
import { createAdmin } from '../pipeline/admin';
import { sinkAccepts } from '../pipeline/routing';
import { lockSpool, openSpool } from '../pipeline/spool';
import { spoolFile, type SpoolFile } from '../pipeline/spool/compact';
import { createDeriver } from '../vendors/derive';
import { Refused } from './commands';
import { buildVendors } from '../vendors/registry';

/** Where the admin API of a running service is, when not found through DATA_DIR/admin.json. */
export interface RemoteSettings {
  readonly url?: string;
  readonly token?: string;
}

export const spoolPath = (config: Config): string => resolve(join(config.dataDir, 'spool.db'));

/** The spool's lock, or undefined when a running gateway holds it. */
function lockUnlessRunning(path: string): { release(): void } | undefined {
  try {
    return lockSpool(path);
  } catch (error) {
    if (!/in use by another gateway process/.test((error as Error).message)) throw error;
    return undefined;
  }
}

/**
 * Runs `work` against the admin API: over HTTP when a service holds the spool's lock (its address and
 * a token from ADMIN_URL/ADMIN_TOKEN, else from the service's DATA_DIR/admin.json), or in this process
 * on the spool file, holding the lock, when none does. Both take the same routes and checks.
 */
export async function withAdmin<T>(config: Config, remote: RemoteSettings, now: () => number, work: (client: AdminClient, where: 'service' | 'local') => Promise<T>): Promise<T> {
  const path = spoolPath(config);
  const lock = lockUnlessRunning(path);
  if (lock === undefined) return work(remoteClient(config, remote), 'service');
  try {
    const sinks = config.sinks.map((s) => ({ name: sinkName(s), accepts: sinkAccepts(s) }));
    const vendors = buildVendors(config.vendors, { clock: now, relayKeys: config.relayKeys }).active;
    const spool = openSpool({ path, sinks, derive: createDeriver(vendors) });
    try {
      // A window recorded here is filled by the service at its next start.
      const windows = windowRequests(config, spool.gaps, now);
      const admin = createAdmin({ store: spool.adminStore, gaps: { list: spool.gaps.list, get: spool.gaps.get, settleOpen: spool.gaps.settleOpen }, windows, sinks: sinks.map((s) => s.name), recheck: recheckThrough(vendors, config.maxBodyBytes), clock: now, instance: 'cli' });
      return await work(inProcessAdminClient(admin, 'cli-local'), 'local');
    } finally {
      spool.close();
    }
  } finally {
    lock.release();
  }
}

/**
 * Runs `work` on the spool's file, holding its lock; refused (`Refused`) while a gateway holds it:
 * what works on the file itself (compaction) cannot run beside the gateway's writes.
 */
export async function withStoppedSpool<T>(config: Config, command: string, work: (file: SpoolFile) => Promise<T>): Promise<T> {
  const path = spoolPath(config);
  const lock = lockUnlessRunning(path);
  if (lock === undefined) throw new Refused(`${command} needs the gateway stopped: a gateway holds ${path} (stop it, run this, start it again)`);
  try {
    return await work(spoolFile(path));
  } finally {
    lock.release();
  }
}

function remoteClient(config: Config, remote: RemoteSettings): AdminClient {
  const found = readDiscovery(config.dataDir);
  const url = remote.url ?? found?.url;
  const token = remote.token ?? (remote.url === undefined ? found?.token : undefined);
  if (url === undefined || token === undefined) {
    throw new AdminCallError(409, 'refused', `a gateway is running on ${spoolPath(config)} but its admin API is unknown here: set ADMIN_URL and ADMIN_TOKEN (or run as the service's user, which can read ${join(config.dataDir, 'admin.json')})`);
  }
  return httpAdminClient(url, token);
}

export const spoolExists = (config: Config): boolean => existsSync(spoolPath(config));
