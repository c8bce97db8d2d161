import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { startService } from '../../src/service';
import { TEST_TOKEN } from './tencent';

/** A temporary data directory for one test. */
export const tempDataDir = () => mkdtempSync(join(tmpdir(), 'imgw-svc-'));

/** The whole service as `main` runs it (real spool, real sinks, real HTTP server on port 0). */
export function startTestService(dataDir: string, file: unknown = {}, clock?: () => number, env: Record<string, string> = {}) {
  const config = loadConfig(
    { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, TENCENT_SDKAPPIDS: '1400000001', TENCENT_CALLBACK_TOKENS: TEST_TOKEN, ...env },
    file,
  );
  return startService(config, pino({ level: 'silent' }), clock);
}
