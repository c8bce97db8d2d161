import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

  test("When the spool's checkpoint thread opens the spool, then it prints no SQLite warning either (Node 22 warns once per thread)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'imgw-checkpoint-warning-'));
    const dist = join(__dirname, '..', '..', 'dist');
    const script = [
      `require(${JSON.stringify(check)});`,
      `const { openSpool } = require(${JSON.stringify(join(dist, 'pipeline', 'spool'))});`,
      `const { startCheckpointer } = require(${JSON.stringify(join(dist, 'pipeline', 'spool', 'checkpointer'))});`,
      `const path = ${JSON.stringify(join(dir, 'spool.db'))};`,
      "const spool = openSpool({ path, sinks: ['a'] });",
      "const checkpointer = startCheckpointer(path, { intervalMs: 1 });",
      // The thread runs its whole start (opening the spool, a first checkpoint) before it reads the stop.
      'checkpointer.stop().then(() => spool.close());',
    ].join('\n');
    try {
      const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000 });
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
