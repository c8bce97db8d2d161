// `npm start`'s prestart: compiles only when dist/ is missing or older than what it is built from
// (src/, the tsconfig files, package-lock.json), so a fresh clone still builds on its first start and
// later starts do not wait for tsc.
const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const inputs = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];

/** The newest modification time (ms) of a file, or of any file under a directory; 0 when absent. */
function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** Whether the build in `root` must run: dist/main.js is missing or older than one of its inputs. */
function isStale(root) {
  const built = join(root, 'dist', 'main.js');
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  return inputs.some((input) => newest(join(root, input)) > builtAt);
}

if (require.main === module) {
  const root = join(__dirname, '..');
  if (isStale(root)) execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
}

module.exports = { isStale };
