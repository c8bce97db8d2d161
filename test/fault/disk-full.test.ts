import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { RunningService } from '../../src/service';
import { loadFixture } from '../helpers/fixtures';
import { postCallback, readJsonl } from '../helpers/process';
import { startTestService, tempDataDir } from '../helpers/service';
import { until } from '../helpers/wait';

const sample = loadFixture('c2c-after-send-official');

describe('fault: the data directory runs out of space', () => {
  test('When the spool disk is full, then callbacks get 503 FAIL (never OK), and the service recovers by itself when space returns', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'imgw-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', dataDir], { timeout: 60_000 });
    const outDir = tempDataDir();
    const out = join(outDir, 'events.jsonl');
    let service: RunningService | undefined;
    try {
      // Freed later: more than the 1 MiB and twice a refused event that readiness waits for.
      writeFileSync(join(dataDir, 'ballast'), Buffer.alloc(2 * 1024 * 1024));
      service = await startTestService(dataDir, { sinks: [{ type: 'file', path: out }] });
      const acknowledged: string[] = [];
      const statuses = new Map<string, number>();
      const pad = 'x'.repeat(20_000);
      let n = 0;
      const post = async () => {
        const key = `full_${++n}`;
        const { status, reply } = await postCallback(service!.port, sample, { ...sample.body, MsgKey: key, CloudCustomData: pad });
        const label = `${status} ${reply.ActionStatus}`;
        statuses.set(label, (statuses.get(label) ?? 0) + 1);
        if (reply.ActionStatus === 'OK') acknowledged.push(key);
        return { status, reply };
      };

      let first503: Record<string, unknown> | undefined;
      for (let i = 0; i < 400 && !first503; i++) {
        const { status, reply } = await post();
        if (status === 503) first503 = reply;
      }
      for (let i = 0; i < 10; i++) await post();
      const ready = await request(service.server).get('/readyz');
      const okBeforeFree = acknowledged.length;
      rmSync(join(dataDir, 'ballast'));
      // Taken out of rotation, a pod gets no callbacks to prove it can store them: readiness reads the disk.
      const readyAfterFree = await request(service.server).get('/readyz');
      let recovered = false;
      for (let i = 0; i < 50 && !recovered; i++) recovered = (await post()).status === 200;
      await until(() => new Set(readJsonl(out).map((e) => e.msgkey)).size >= acknowledged.length, 20_000);
      const delivered = new Set(readJsonl(out).map((e) => e.msgkey));
      const lost = acknowledged.filter((key) => !delivered.has(key));

      console.log(
        `disk full: ${n} posted; replies ${JSON.stringify(Object.fromEntries(statuses))}; OK before space returned ${okBeforeFree}; ` +
          `/readyz while full ${ready.status}, after freeing space ${readyAfterFree.status}; recovered after freeing space: ${recovered}; OK answered ${acknowledged.length}, delivered ${delivered.size}, lost ${lost.length}`,
      );
      expect(first503).toEqual({ ActionStatus: 'FAIL', ErrorCode: 1, ErrorInfo: 'could not store the event; retry later' });
      expect(ready.status).toBe(503);
      expect(ready.body.problems).toEqual(['the spool has no room for new events (disk full)']);
      expect(readyAfterFree.status).toBe(200);
      expect(recovered).toBe(true);
      expect(lost).toEqual([]);
    } finally {
      await service?.stop();
      execFileSync('umount', [dataDir], { timeout: 60_000 });
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(outDir, { recursive: true, force: true });
    }
  }, 60_000);
});
