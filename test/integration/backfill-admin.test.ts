import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { runCli } from '../../src/cli';
import { loadConfig, type Config } from '../../src/config';
import { startService, type RunningService } from '../../src/service';
import { loadFixture } from '../helpers/fixtures';
import { tempDataDir } from '../helpers/service';
import { callbackPath, TEST_TOKEN } from '../helpers/tencent';
import { startTencentHistoryStandin, type RoamMessage, type TencentHistoryStandin } from '../helpers/tencent-history-standin';
import { until } from '../helpers/wait';

const c2c = loadFixture('c2c-after-send-text');

describe('backfill by hand: imgw backfill and POST /backfill', () => {
  let dataDir: string;
  let standin: TencentHistoryStandin;
  let service: RunningService | undefined;
  const config = (): Config =>
    loadConfig(
      {
        PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, TENCENT_SDKAPPIDS: '1400000001', TENCENT_CALLBACK_TOKENS: TEST_TOKEN, GAP_ALIVE_INTERVAL: '20ms',
        BACKFILL_TENCENT_URL: standin.url, BACKFILL_TENCENT_ADMIN: standin.identifier, BACKFILL_TENCENT_KEY: standin.key,
      },
      { sinks: [{ type: 'file', name: 'archive', path: join(dataDir, 'out.jsonl') }] },
    );
  const run = async (...argv: string[]) => {
    const [out, err]: [unknown[], string[]] = [[], []];
    const code = await runCli(argv, config(), { out: (line) => void out.push(JSON.parse(line)), err: (line) => void err.push(line) });
    return { code, out, err };
  };
  const callback = (m: RoamMessage) =>
    fetch(`http://127.0.0.1:${service!.port}${callbackPath(c2c.query, { requestTime: Math.floor(Date.now() / 1000) })}`, {
      method: 'POST',
      body: JSON.stringify({ ...c2c.body, From_Account: m.From_Account, To_Account: m.To_Account, MsgSeq: m.MsgSeq, MsgRandom: m.MsgRandom, MsgTime: m.MsgTimeStamp, MsgKey: m.MsgKey, MsgBody: m.MsgBody }),
    });
  const archived = (): string[] => {
    const path = join(dataDir, 'out.jsonl');
    return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { msgkey: string }).msgkey) : [];
  };
  const now = () => Math.floor(Date.now() / 1000);

  beforeEach(async () => {
    dataDir = tempDataDir();
    standin = await startTencentHistoryStandin();
  });
  afterEach(async () => {
    await service?.stop();
    service = undefined;
    await standin.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('When an operator backfills one conversation while the service runs, then a dry run counts the conversations, the named one is read into the file sink, and both are audited', async () => {
    service = await startService(config(), pino({ level: 'silent' }));
    const seen = [standin.sendC2C('alice', 'bob', 'seen', now() - 100), standin.sendC2C('carol', 'dave', 'seen', now() - 100)];
    for (const m of seen) await callback(m);
    const missed = [standin.sendC2C('bob', 'alice', 'missed 1', now() - 60), standin.sendC2C('alice', 'bob', 'missed 2', now() - 50)];
    const other = standin.sendC2C('dave', 'carol', 'not asked for', now() - 50);

    // The conversations seen are noted with the next alive note.
    await until(async () => ((await run('backfill', '--vendor', 'tencent', '--since', '10m', '--dry-run')).out[0] as { count: number }).count === 2);
    const preview = await run('backfill', '--vendor', 'tencent', '--since', '10m', '--dry-run');
    const asked = await run('backfill', '--vendor', 'tencent', '--since', '10m', '--conversation', 'user:bob:alice', '--yes');

    expect(preview.code).toBe(0);
    expect(preview.out[0]).toMatchObject({ dryRun: true, count: 2, fromAt: expect.stringMatching(/Z$/) });
    expect(asked.code).toBe(0);
    expect(asked.out[0]).toMatchObject({ kind: 'window', vendor: 'tencent', conversation: '["user:bob:alice"]', state: 'open', note: expect.stringContaining('asked by') });
    await until(() => archived().length === 4);
    expect(archived().sort()).toEqual([...seen, ...missed].map((m) => m.MsgKey).sort());
    expect(archived()).not.toContain(other.MsgKey);
    const audit = (await run('audit', '--limit', '2')).out as { action: string; count: number; dryRun: boolean; target: Record<string, unknown> }[];
    expect(audit.map(({ action, count, dryRun }) => ({ action, count, dryRun }))).toEqual([
      { action: 'backfill.window', count: 1, dryRun: false },
      { action: 'backfill.window', count: 1, dryRun: true },
    ]);
    expect(audit[0]?.target).toMatchObject({ vendor: 'tencent', conversations: ['user:bob:alice'] });
  });

  test('When a vendor without backfill or a malformed conversation is named, then nothing is recorded and the CLI says why', async () => {
    service = await startService(config(), pino({ level: 'silent' }));

    const netease = await run('backfill', '--vendor', 'netease', '--since', '1h', '--dry-run');
    const malformed = await run('backfill', '--vendor', 'tencent', '--since', '1h', '--conversation', 'alice-and-bob', '--dry-run');
    const noSince = await run('backfill', '--vendor', 'tencent');

    expect([netease.code, netease.err.join('\n')]).toEqual([1, expect.stringContaining('not configured here for netease (configured: tencent)')]);
    expect([malformed.code, malformed.err.join('\n')]).toEqual([2, expect.stringContaining('user:<account>:<account>')]);
    expect(noSince.code).toBe(2);
  });

  test('When the service is stopped, then imgw backfill records the window in the spool and the next start reads it', async () => {
    service = await startService(config(), pino({ level: 'silent' }));
    await callback(standin.sendC2C('alice', 'bob', 'seen', now() - 100));
    await until(async () => ((await run('backfill', '--vendor', 'tencent', '--since', '10m', '--dry-run')).out[0] as { count: number }).count === 1);
    await service.stop();
    service = undefined;
    const missed = standin.sendC2C('bob', 'alice', 'missed', now() - 30);

    const asked = await run('backfill', '--vendor', 'tencent', '--since', '10m', '--yes');
    service = await startService(config(), pino({ level: 'silent' }));

    expect(asked.out[0]).toMatchObject({ kind: 'window', state: 'open' });
    await until(() => archived().includes(missed.MsgKey));
    expect(archived()).toHaveLength(2);
  });
});
