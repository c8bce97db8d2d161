import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../src/cli';
import { loadConfig } from '../../src/config';
import { openSpool } from '../../src/pipeline/spool';
import type { RunningService } from '../../src/service';
import { runCliProcess } from '../helpers/cli';
import { loadFixture } from '../helpers/fixtures';
import { startTestService, tempDataDir } from '../helpers/service';
import { callbackPath, TEST_TOKEN } from '../helpers/tencent';

const sample = loadFixture('c2c-after-send-official');

/** The operator CLI run beside a running service, with an environment that differs from the service's. */
describe('imgw beside a running service', () => {
  let dataDir: string;
  let service: RunningService | undefined;
  beforeEach(() => {
    dataDir = tempDataDir();
  });
  afterEach(async () => {
    await service?.stop();
    service = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function run(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
    const out: string[] = [];
    const err: string[] = [];
    // No CONFIG_FILE: the CLI's own configuration knows only the default file sink.
    const code = await runCli(argv, loadConfig({ DATA_DIR: dataDir, TENCENT_CALLBACK_TOKENS: TEST_TOKEN }), { out: (l) => void out.push(l), err: (l) => void err.push(l) });
    return { code, out, err };
  }
  const post = (body: Record<string, unknown>) =>
    fetch(`http://127.0.0.1:${service!.port}${callbackPath(sample.query, { requestTime: Math.floor(Date.now() / 1000) })}`, { method: 'POST', body: JSON.stringify(body) });
  const pendingFor = async (sink: string) => {
    const stats = JSON.parse((await run(['spool', 'stats'])).out[0] ?? '{}') as { pending?: { sink: string; pending: number }[] };
    return stats.pending?.find((row) => row.sink === sink)?.pending ?? 0;
  };

  test('When pending drop names a sink the service still delivers to, then it is refused and nothing is dropped, whatever the CLI was configured with', async () => {
    // The sink "web" cannot write (its path is a directory): its events stay pending.
    mkdirSync(join(dataDir, 'web.jsonl'), { recursive: true });
    service = await startTestService(dataDir, { sinks: [{ type: 'file', name: 'web', path: join(dataDir, 'web.jsonl'), retryInitialMs: 60_000, retryMaxMs: 60_000 }] });
    for (let i = 0; i < 5; i += 1) expect((await post({ ...sample.body, MsgKey: `k${i}` })).status).toBe(200);

    const dropped = await run(['pending', 'drop', '--sink', 'web', '--yes']);

    expect(dropped.code).toBe(1);
    expect(dropped.err.join('\n')).toMatch(/sink web is configured/);
    expect(await pendingFor('web')).toBe(5);
  });

  test('When replay runs while the service takes callbacks, then it queues every event and no callback fails', async () => {
    // A spool with history, written before the service starts.
    // Delivered history: no sink waits for these events any more.
    const seed = openSpool({ path: join(dataDir, 'spool.db'), sinks: [] });
    const now = Date.now();
    for (let batch = 0; batch < 40; batch += 1) {
      await Promise.all(Array.from({ length: 500 }, (_, i) => seed.append({ attributes: { specversion: '1.0', id: `seed-${batch}-${i}`, source: 's', type: 't', time: new Date(now).toISOString(), datacontenttype: 'application/json' }, data: '{}' }, now - 1000)));
    }
    seed.close();
    service = await startTestService(dataDir, { sinks: [{ type: 'file', name: 'file', path: join(dataDir, 'out.jsonl') }] });
    let stop = false;
    let failed = 0;
    let sent = 0;
    const load = Array.from({ length: 4 }, async (_, lane) => {
      while (!stop) {
        const res = await post({ ...sample.body, MsgKey: `live-${lane}-${(sent += 1)}` });
        if (res.status !== 200) failed += 1;
      }
    });

    // Its own process, as an operator runs it (in this process it would stop the service's event loop).
    // Four senders keep the service saturated, so the replay yields to them (the ingest guard) and
    // takes several times as long as it would alone.
    const replayed = await runCliProcess(['replay', '--since', '1h', '--sink', 'file'], { DATA_DIR: dataDir, TENCENT_CALLBACK_TOKENS: TEST_TOKEN }, { timeoutMs: 100_000 });
    stop = true;
    await Promise.all(load);

    // Only progress reports (a long replay runs in chunks), no error.
    expect(replayed.stderr.split('\n').filter((line) => line && !/^replay: \d+ of \d+$/.test(line))).toEqual([]);
    expect(replayed.code).toBe(0);
    expect(JSON.parse(replayed.stdout).queued).toBeGreaterThanOrEqual(20_000);
    expect(sent).toBeGreaterThan(0);
    expect(failed).toBe(0);
  }, 120_000);

  test('When the service runs, then a CLI change goes through its API and is audited as local; when it does not, the CLI opens the spool itself and audits as cli-local', async () => {
    service = await startTestService(dataDir, { sinks: [{ type: 'file', name: 'file', path: join(dataDir, 'out.jsonl') }] });
    await post(sample.body);
    const throughApi = await run(['replay', '--since', '1h']);
    await service.stop();
    service = undefined;
    const direct = await run(['replay', '--since', '1h']);
    const trail = await run(['audit']);

    expect([throughApi.code, direct.code]).toEqual([0, 0]);
    expect(trail.out.map((line) => JSON.parse(line) as { actor: string; action: string })).toEqual([
      expect.objectContaining({ actor: 'cli-local', action: 'replay' }),
      expect.objectContaining({ actor: 'cli-local', action: 'replay.started' }),
      expect.objectContaining({ actor: 'local', action: 'replay' }),
      expect.objectContaining({ actor: 'local', action: 'replay.started' }),
    ]);
  });
});
