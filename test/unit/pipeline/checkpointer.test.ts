import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event } from '../../../src/events/event';
import { openSpool } from '../../../src/pipeline/spool';
import { quickCheckpointSteps } from '../../../src/pipeline/spool/checkpointer';

const event = (id: string): Event => ({
  attributes: { specversion: '1.0', id, source: 's', type: 't', time: '2026-01-01T00:00:00.000Z', datacontenttype: 'application/json' },
  data: JSON.stringify({ text: 'x'.repeat(2000) }),
});

describe('background checkpoints', () => {
  test('When events keep coming, then a worker thread copies the WAL back and the WAL stays bounded; everything is there after reopening', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'imgw-ckpt-'));
    const path = join(dir, 'spool.db');
    const errors: Error[] = [];
    const spool = openSpool({ path, sinks: ['a'], backgroundCheckpoints: { intervalMs: 5, onError: (error) => errors.push(error) } });
    const pageSize = spool.pragma('page_size') as number;
    let largestWal = 0;
    const total = 12_000;
    try {
      // 12,000 events of about 2 KiB: more than the 10,000-frame automatic checkpoint.
      for (let n = 0; n < total; n += 100) {
        await Promise.all(Array.from({ length: 100 }, (_, i) => spool.append(event(`e${n + i}`), n)));
        largestWal = Math.max(largestWal, statSync(`${path}-wal`).size);
      }
      expect(errors).toEqual([]);
      // The thread did copy frames back (the writer's own checkpoints would leave it nothing to report).
      expect(spool.checkpoints?.copied).toBeGreaterThan(0);
      // Bounded by the 10,000-frame restart point plus one group commit, not by the data written.
      expect(largestWal).toBeLessThan((10_000 + 1000) * (pageSize + 24));
    } finally {
      spool.close();
    }
    const reopened = openSpool({ path, sinks: ['a'] });
    try {
      expect(reopened.admin.stats().events).toBe(total);
      expect(reopened.pragma('integrity_check')).toBe('ok');
    } finally {
      reopened.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('When commits come one after another, then the thread copies them back about once a second, not every few commits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'imgw-ckpt-'));
    const spool = openSpool({ path: join(dir, 'spool.db'), sinks: ['a'], backgroundCheckpoints: {} });
    try {
      const started = performance.now();
      // Commits for a little over a second, each after the last one's flush.
      for (let n = 0; performance.now() - started < 1200; n += 1) await spool.append(event(`s${n}`), n);
      const seconds = (performance.now() - started) / 1000;
      // A round a second (and one at start), each a step and the quick steps after it; every 25 ms this was
      // about 40 a second.
      expect(spool.checkpoints?.copied).toBeLessThanOrEqual((1 + quickCheckpointSteps) * (1 + Math.ceil(seconds)));
      expect(spool.checkpoints?.copied).toBeGreaterThan(0);
    } finally {
      spool.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
