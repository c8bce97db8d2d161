import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where a running gateway tells the local CLI how to reach its admin API. */
export const discoveryPath = (dataDir: string): string => join(dataDir, 'admin.json');

export interface Discovery {
  readonly url: string;
  /** A per-start operator token (name `local`): whoever may read the data directory may already change the spool. */
  readonly token: string;
  readonly pid: number;
}

/** Written with mode 0600 (owner only) when the admin listener is up; removed at stop. */
export function writeDiscovery(dataDir: string, discovery: Discovery): () => void {
  const path = discoveryPath(dataDir);
  writeFileSync(path, `${JSON.stringify(discovery)}\n`, { mode: 0o600 });
  return () => rmSync(path, { force: true });
}

export function readDiscovery(dataDir: string): Discovery | undefined {
  try {
    return JSON.parse(readFileSync(discoveryPath(dataDir), 'utf8')) as Discovery;
  } catch {
    return undefined;
  }
}
