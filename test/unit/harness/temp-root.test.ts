import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

test("a test's temporary directories are made under the run's own root, which the run removes", () => {
  const dir = mkdtempSync(join(tmpdir(), 'imgw-harness-'));
  expect(basename(dirname(dir))).toMatch(/^imgw-test-/);
});
