import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTestHelper } from '../../../bench/lib/test-helpers';

describe('benchmarks loading test helpers', () => {
  test.each(['easemob-standin', 'tencent-standin', 'netease-standin', 'tencent-history-standin'])('When %s is loaded outside jest, then it and the helpers it imports run, and it starts and stops', async (name) => {
    const dir = mkdtempSync(join(tmpdir(), 'imgw-helpers-'));
    try {

      const helper = loadTestHelper(name, dir) as Record<string, unknown>;

      const start = Object.entries(helper).find(([key, value]) => key.startsWith('start') && typeof value === 'function')?.[1] as (() => Promise<{ url: string; close(): Promise<void> }>) | undefined;
      expect(start).toBeDefined();
      const standin = await start!();
      try {
        expect(standin.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
      } finally {
        await standin.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
