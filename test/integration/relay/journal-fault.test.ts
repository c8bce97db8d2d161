import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../../src/config';
import { openSpool } from '../../../src/pipeline/spool';
import { startService } from '../../../src/service';
import { neutralMessageEvent, startEasemobStandin, type EasemobStandin } from '../../helpers/easemob-standin';
import { flushError, holdFlushes } from '../../helpers/held-flushes';
import { tempDataDir } from '../../helpers/service';
import { TEST_TOKEN } from '../../helpers/tencent';
import { until } from '../../helpers/wait';

describe('a relay journal that cannot be flushed to disk', () => {
  let standin: EasemobStandin;
  let dataDir: string;
  beforeEach(async () => {
    standin = await startEasemobStandin();
    dataDir = tempDataDir();
  });
  afterEach(async () => {
    await standin.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('When the journal\'s flush fails, then nothing more is sent, /readyz reports the sink as degraded until a restart, and the log says so once', async () => {
    const spool = openSpool({ path: join(dataDir, 'spool.db'), sinks: ['easemob'] });
    // Three messages of three conversations in one batch, sent one after another: none waits behind another's failure.
    for (const from of ['u1', 'u2', 'u3']) await spool.append(neutralMessageEvent({ from }), Date.now());
    spool.close();
    const logs: { level: number; msg: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as { level: number; msg: string }) });
    const sink = { type: 'easemob', name: 'easemob', baseUrl: standin.url, appKey: standin.appKey, clientId: standin.clientId, clientSecret: standin.clientSecret, targets: { users: { mode: 'same' } }, batchSize: 3, parallelSends: 1, retryInitialMs: 10, retryMaxMs: 50 };
    const config = loadConfig(
      { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, TENCENT_SDKAPPIDS: '1400000001', TENCENT_CALLBACK_TOKENS: TEST_TOKEN, RELAY_KEY: 'relay-test-key-0123456789abcdef0123456789ab' },
      { sinks: [sink] },
    );
    const journalWal = join(dataDir, 'easemob-easemob.journal.sqlite-wal');
    const flushes = holdFlushes();
    // Every flush runs as it would, except the journal's first, which fails as a disk would.
    let failed = 0;
    let stopped = false;
    const pumping = (async () => {
      let next = 0;
      while (!stopped) {
        await until(() => stopped || flushes.held.length > next, 30_000);
        for (; next < flushes.held.length; next++) {
          const flush = flushes.held[next]!;
          const journal = existsSync(journalWal) && statSync(journalWal).ino === flush.ino;
          if (journal && failed === 0) {
            failed += 1;
            flush.release(flushError());
          } else flush.release();
        }
      }
    })();
    const service = await startService(config, logger);
    try {
      const readyz = async () => (await (await fetch(`http://127.0.0.1:${service.port}/readyz`)).json()) as { status: string; degraded?: string[] };
      await until(() => failed === 1);
      await until(async () => (await readyz()).status === 'degraded');
      const report = await readyz();
      // The dispatcher keeps trying the waiting messages; each attempt fails before any call.
      await until(() => logs.filter((l) => l.msg === 'sink write failed').length >= 4);

      expect(report.degraded).toEqual([expect.stringMatching(/^sink easemob needs a restart: the relay journal could not be flushed to disk/)]);
      expect(logs.filter((l) => l.msg.startsWith('the relay journal could not be flushed to disk'))).toHaveLength(1);
      expect(standin.sendRequests()).toHaveLength(1);
    } finally {
      // The service stops while flushes still run: its last commits are flushed on the way out.
      await service.stop();
      stopped = true;
      await pumping;
      flushes.restore();
    }
  });
});
