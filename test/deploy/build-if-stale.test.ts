// `npm start` compiles only when dist/ is missing or older than its inputs (scripts/build-if-stale.js).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { isStale } = require('../../scripts/build-if-stale.js') as { isStale: (root: string) => boolean };

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'imgw-build-'));
  mkdirSync(join(root, 'src', 'sinks'), { recursive: true });
  writeFileSync(join(root, 'src', 'sinks', 'file-sink.ts'), '');
  writeFileSync(join(root, 'tsconfig.json'), '{}');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Sets a file's modification time to `seconds` after the epoch. */
const at = (path: string, seconds: number) => utimesSync(join(root, path), seconds, seconds);

test('When dist is missing (a fresh clone), then it builds', () => {
  expect(isStale(root)).toBe(true);
});

test('When dist is newer than every input, then it does not build; when a source file or a tsconfig is newer, it does', () => {
  mkdirSync(join(root, 'dist'));
  writeFileSync(join(root, 'dist', 'main.js'), '');
  at('src/sinks/file-sink.ts', 1000);
  at('tsconfig.json', 1000);
  at('dist/main.js', 2000);
  const fresh = isStale(root);
  at('src/sinks/file-sink.ts', 3000);
  const sourceChanged = isStale(root);
  at('src/sinks/file-sink.ts', 1000);
  at('tsconfig.json', 3000);
  const configChanged = isStale(root);

  expect({ fresh, sourceChanged, configChanged }).toEqual({ fresh: false, sourceChanged: true, configChanged: true });
});

test('npm start runs it before starting', () => {
  const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
  expect(scripts.prestart).toBe('node scripts/build-if-stale.js');
});
