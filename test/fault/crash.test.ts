import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadFixture } from '../helpers/fixtures';
import { launchService, postCallback, readJsonl, type ServiceProcess } from '../helpers/process';
import { freePort } from '../helpers/servers';
import { tempDataDir } from '../helpers/service';
import { until } from '../helpers/wait';

const sample = loadFixture('c2c-after-send-official');
const KILLS = 20;
// The test's guard against a hang: each kill waits for a restart and new acknowledgements, up to about
// 15 s on a heavily loaded two-core machine (load average 18: 123 s for the whole test); every wait inside has its own bound.
const TEST_BUDGET_MS = KILLS * 15_000 + 60_000;

describe('fault: kill -9 under load', () => {
  test(`When the service is killed with SIGKILL ${KILLS} times under steady signed load, then every callback answered OK reaches the file sink`, async () => {
    const dataDir = tempDataDir();
    const port = await freePort();
    const env = { PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
    // The port can stay busy for a moment after a kill: try again until a new process listens.
    let up = false;
    const launch = async () => {
      let launched: ServiceProcess | undefined;
      await until(async () => (launched = await launchService({ ...env, LOG_LEVEL: 'info' })), { timeoutMs: 60_000, what: 'the service started again' });
      up = true;
      return launched as ServiceProcess;
    };
    let service: ServiceProcess = await launch();
    const acknowledged = new Set<string>();
    let sent = 0;
    let failed = 0;
    let running = true;
    let counter = 0;

    const poster = async () => {
      while (running) {
        const key = `crash_${++counter}`;
        sent += 1;
        try {
          const { status, reply } = await postCallback(port, sample, { ...sample.body, MsgKey: key });
          if (status === 200 && reply.ActionStatus === 'OK') acknowledged.add(key);
          else failed += 1;
        } catch {
          failed += 1;
          // Killed under us: post again once the next process listens.
          await until(() => up || !running, 60_000);
        }
      }
    };
    const posters = Array.from({ length: 8 }, poster);
    // Each kill comes after a random number (20 to 100) of new acknowledgements, i.e. at a random point of the load.
    const acknowledgements = (count: number) => until(() => acknowledged.size >= count, { timeoutMs: 60_000, what: `${count} acknowledged callbacks` });
    for (let kill = 0; kill < KILLS; kill++) {
      await acknowledgements(acknowledged.size + 20 + Math.floor(Math.random() * 80));
      const exited = service.exited();
      up = false;
      service.child.kill('SIGKILL');
      await exited;
      service = await launch();
    }
    await acknowledgements(acknowledged.size + 50);
    running = false;
    await Promise.all(posters);

    const file = join(dataDir, 'events.jsonl');
    const missing = () => {
      const delivered = new Set(readJsonl(file).map((event) => event.msgkey as string));
      return [...acknowledged].filter((key) => !delivered.has(key));
    };
    await until(() => missing().length === 0, 30_000).catch(() => undefined);
    const lines = readJsonl(file);
    const distinct = new Set(lines.map((event) => event.id)).size;
    const lost = missing();
    service.child.kill('SIGTERM');
    await service.exited();
    rmSync(dataDir, { recursive: true, force: true });

    console.log(
      `crash test: ${KILLS} SIGKILLs; sent ${sent}, answered OK ${acknowledged.size}, failed or refused while down ${failed}; ` +
        `file sink lines ${lines.length}, distinct events ${distinct}, duplicates delivered ${lines.length - distinct}, lost ${lost.length}`,
    );
    expect(acknowledged.size).toBeGreaterThan(KILLS * 10);
    expect(lost).toEqual([]);
    expect(lines.length - distinct).toBe(0);
  }, TEST_BUDGET_MS);
});
