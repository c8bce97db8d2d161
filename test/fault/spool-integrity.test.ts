import { closeSync, mkdirSync, openSync, rmSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { openSpool } from '../../src/pipeline/spool';
import { loadFixture } from '../helpers/fixtures';
import { launchService, postCallback, type ServiceProcess } from '../helpers/process';
import { tempDataDir } from '../helpers/service';
import { until } from '../helpers/wait';

const sample = loadFixture('c2c-after-send-official');

/** A data directory whose only sink cannot write (its path is a directory), so accepted events stay in the spool. */
function blockedDataDir(): { dataDir: string; env: Record<string, string> } {
  const dataDir = tempDataDir();
  mkdirSync(join(dataDir, 'blocked.jsonl'));
  const configFile = join(dataDir, 'sinks.json');
  writeFileSync(configFile, JSON.stringify({ sinks: [{ type: 'file', path: join(dataDir, 'blocked.jsonl'), retryInitialMs: 60_000, retryMaxMs: 60_000 }] }));
  return { dataDir, env: { PORT: '0', DATA_DIR: dataDir, CONFIG_FILE: configFile, LOG_LEVEL: 'info' } };
}

async function readyz(port: number): Promise<{ status: number; body: { problems?: string[] } }> {
  const res = await fetch(`http://127.0.0.1:${port}/readyz`);
  return { status: res.status, body: (await res.json()) as { problems?: string[] } };
}

const storedEvents = (dataDir: string): number => {
  const spool = openSpool({ path: join(dataDir, 'spool.db'), sinks: [] });
  try {
    return spool.admin.stats().events;
  } finally {
    spool.close();
  }
};

describe('fault: one process per spool, and a damaged spool is noticed', () => {
  const running: ServiceProcess[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const service of running.splice(0)) await service.stop('SIGKILL');
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  test('When a second gateway starts on the same DATA_DIR, then it exits with a clear error and the first keeps serving', async () => {
    const { dataDir, env } = blockedDataDir();
    dirs.push(dataDir);
    const first = await launchService(env);
    running.push(first);

    const second = await launchService(env).then(
      (service) => (running.push(service), 'listening'),
      (error: Error) => error.message,
    );

    expect(second).toMatch(/exited with 1 before listening/);
    expect(second).toContain(`the spool ${join(dataDir, 'spool.db')} is in use by another gateway process`);
    expect((await postCallback(first.port, sample, sample.body)).reply).toMatchObject({ ActionStatus: 'OK' });
    console.log('second instance on one DATA_DIR: refused at start; first instance answered OK');
  });

  test('When the spool file has corrupt pages, then the gateway starts not ready, refuses callbacks with 503 and names the damage', async () => {
    const { dataDir, env } = blockedDataDir();
    dirs.push(dataDir);
    const service = await launchService(env);
    for (let i = 0; i < 200; i += 1) await postCallback(service.port, sample, { ...sample.body, MsgKey: `k${i}`, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'x'.repeat(2000) } }] });
    await service.stop();
    const path = join(dataDir, 'spool.db');
    const pageSize = 4096;
    const pages = statSync(path).size / pageSize;
    // Garbage over the middle third of the file (never page 1, the header and schema).
    const fd = openSync(path, 'r+');
    for (let page = Math.floor(pages / 3); page < Math.floor((2 * pages) / 3); page += 1) writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, page * pageSize);
    closeSync(fd);

    const damaged = await launchService(env);
    running.push(damaged);
    const ready = await readyz(damaged.port);
    const callback = await postCallback(damaged.port, sample, { ...sample.body, MsgKey: 'after' });

    expect(ready.status).toBe(503);
    expect(ready.body.problems).toEqual([expect.stringMatching(/^spool is damaged \(quick_check: .+\); see the runbook$/)]);
    expect(callback.status).toBe(503);
    expect(callback.reply).toMatchObject({ ActionStatus: 'FAIL', ErrorInfo: expect.stringMatching(/^spool is damaged/) });
    expect(damaged.output()).toContain('the spool is damaged');
    console.log(`corrupt pages (${Math.floor(pages / 3)} of ${pages}): ${ready.body.problems?.[0]}`);
  });

  test('When the WAL file is deleted while the gateway runs, then it checkpoints what was acknowledged, goes not ready and refuses callbacks; after kill -9 nothing acknowledged is lost', async () => {
    const { dataDir, env } = blockedDataDir();
    dirs.push(dataDir);
    const service = await launchService(env);
    running.push(service);
    let acknowledged = 0;
    for (let i = 0; i < 50; i += 1) {
      const { reply } = await postCallback(service.port, sample, { ...sample.body, MsgKey: `w${i}` });
      if (reply.ActionStatus === 'OK') acknowledged += 1;
    }

    unlinkSync(join(dataDir, 'spool.db-wal'));
    await until(async () => (await readyz(service.port)).status === 503);
    const ready = await readyz(service.port);
    const refused = await postCallback(service.port, sample, { ...sample.body, MsgKey: 'late' });
    await service.stop('SIGKILL');
    running.splice(0);

    expect(acknowledged).toBe(50);
    // Deleted, or already replaced: a connection that opens the database after the unlink (the checkpoint
    // thread's, which a loaded machine may start late) makes a new WAL file at the path before the watch looks.
    expect(ready.body.problems).toEqual([expect.stringMatching(/spool\.db-wal was (deleted|replaced) while the gateway had it open\); see the runbook$/)]);
    expect(refused.status).toBe(503);
    expect(storedEvents(dataDir)).toBe(50);
    console.log(`WAL deleted under load: ${acknowledged} acknowledged, ${storedEvents(dataDir)} in the spool after kill -9, later callback answered ${refused.status}`);
  });
});
