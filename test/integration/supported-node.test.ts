import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const check = join(__dirname, '..', '..', 'dist', 'supported-node.js');

describe('the entry points on a supported Node', () => {
  test("When node:sqlite's experimental warning is emitted (Node 22 does), then only it is dropped; other warnings still reach stderr", () => {
    const script = [
      `require(${JSON.stringify(check)});`,
      "process.emitWarning('SQLite is an experimental feature and might change at any time', 'ExperimentalWarning');",
      "process.emitWarning('SQLite is an experimental feature and might change at any time', { type: 'ExperimentalWarning' });",
      "process.emitWarning('WASI is an experimental feature and might change at any time', 'ExperimentalWarning');",
      "process.emitWarning('a deprecated call', 'DeprecationWarning');",
      "require('node:sqlite');",
    ].join('\n');

    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000 });
    const warnings = run.stderr.split('\n').filter((line) => line.includes('Warning:')).map((line) => line.replace(/^\(node:\d+\) /, ''));

    expect({ status: run.status, warnings }).toEqual({
      status: 0,
      warnings: ['ExperimentalWarning: WASI is an experimental feature and might change at any time', 'DeprecationWarning: a deprecated call'],
    });
  });
});
