import { readFile } from 'node:fs/promises';
import type Redis from 'ioredis';
import { loadRedis } from '../clients';

/** A secret from a mounted file (trimmed); the error names the file and the setting, never the content. */
export async function readSecretFile(path: string, what: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (error) {
    throw new Error(`${what} ${path} could not be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
  }
}

/**
 * The Redis client that shares a relay's quotas between pods, or undefined without `url`. It never
 * queues commands while Redis is away (the limiter then falls back to the per-pod share), and a client
 * waiting to reconnect does not hold the process at close (`disconnectTimeout`).
 */
export function quotaRedis(url: string | undefined): Redis | undefined {
  const Client = url ? loadRedis() : undefined;
  if (!url || !Client) return undefined;
  const redis = new Client(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false, disconnectTimeout: 100 });
  redis.on('error', () => undefined);
  return redis;
}
