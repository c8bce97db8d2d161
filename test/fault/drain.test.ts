import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadFixture } from '../helpers/fixtures';
import { launchService, postCallback, readJsonl } from '../helpers/process';
import { tempDataDir } from '../helpers/service';
import { until } from '../helpers/wait';

const sample = loadFixture('c2c-after-send-official');

describe('fault: SIGTERM under load', () => {
  test('When SIGTERM arrives under load, then in-flight requests complete, nothing answered OK is lost, and the process exits 0 within the grace period', async () => {
    const dataDir = tempDataDir();
    const service = await launchService({ PORT: '0', DATA_DIR: dataDir, SHUTDOWN_TIMEOUT: '10s' });
    const acknowledged: string[] = [];
    const outcomes = { ok: 0, refused: 0, brokenAfterSend: 0 };
    let running = true;
    let n = 0;
    const poster = async () => {
      while (running) {
        const key = `drain_${++n}`;
        try {
          const { reply } = await postCallback(service.port, sample, { ...sample.body, MsgKey: key }, false);
          if (reply.ActionStatus === 'OK') acknowledged.push(key);
          outcomes.ok += 1;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ECONNREFUSED') outcomes.refused += 1;
          else outcomes.brokenAfterSend += 1;
          // The service is gone: nothing more to send until the test ends the load.
          await until(() => !running, 30_000);
        }
      }
    };
    const posters = Array.from({ length: 10 }, poster);
    // SIGTERM once the load is well under way (each of the 10 posters has a request in flight).
    await until(() => acknowledged.length >= 200, 30_000);

    const signalled = Date.now();
    service.child.kill('SIGTERM');
    const code = await service.exited();
    const exitMs = Date.now() - signalled;
    running = false;
    await Promise.all(posters);
    const restarted = await launchService({ PORT: '0', DATA_DIR: dataDir });
    const file = join(dataDir, 'events.jsonl');
    await until(() => new Set(readJsonl(file).map((e) => e.msgkey)).size >= acknowledged.length, 20_000).catch(() => undefined);
    const delivered = new Set(readJsonl(file).map((e) => e.msgkey));
    const lost = acknowledged.filter((key) => !delivered.has(key));
    restarted.child.kill('SIGTERM');
    await restarted.exited();
    rmSync(dataDir, { recursive: true, force: true });

    console.log(
      `drain: ${acknowledged.length} answered OK under load; exit code ${code} after ${exitMs} ms (grace 10 s); ` +
        `replies ${outcomes.ok}, refused after close ${outcomes.refused}, connections cut mid-request ${outcomes.brokenAfterSend}; delivered ${delivered.size}, lost ${lost.length}`,
    );
    expect(code).toBe(0);
    expect(exitMs).toBeLessThan(10_000);
    expect(acknowledged.length).toBeGreaterThan(100);
    expect(lost).toEqual([]);
    // A request on a kept-alive connection is answered (with Connection: close), never cut.
    expect(outcomes.brokenAfterSend).toBe(0);
  }, 60_000);
});
