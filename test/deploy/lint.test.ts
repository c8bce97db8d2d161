import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const root = join(__dirname, '..', '..');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);

/** ESLint's findings for `source` as if it were the file at `path`: `line:rule` pairs. */
function eslint(path: string, source: string): string[] {
  const result = spawnSync(bin('eslint'), ['--format', 'json', '--stdin', '--stdin-filename', path], { timeout: 300_000, cwd: root, input: source, encoding: 'utf8' });
  const [report] = JSON.parse(result.stdout) as { messages: { line: number; ruleId: string | null; message: string }[] }[];
  return report!.messages.map((m) => `${m.line}:${m.ruleId ?? m.message}`);
}

/** dependency-cruiser's violations (`rule: from -> to`) over a planted tree laid out like src/, with the project's rules. */
function depcruise(files: Record<string, string>): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'imgw-depcruise-'));
  try {
    for (const [path, source] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), source);
    }
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'commonjs', moduleResolution: 'node', esModuleInterop: true }, include: ['src'] }));
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ dependencies: { express: '*' }, devDependencies: { supertest: '*' } }));
    const result = spawnSync(bin('depcruise'), ['--config', join(root, '.dependency-cruiser.cjs'), '--output-type', 'json', 'src'], { timeout: 300_000, cwd: dir, encoding: 'utf8' });
    const { summary } = JSON.parse(result.stdout) as { summary: { violations: { rule: { name: string }; from: string; to: string }[] } };
    return summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to.replace(/^.*node_modules\//, 'node_modules/')}`).sort();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `npm run lint` runs in `npm test` before jest; these tests show its rules catch what they are for. */
describe('npm run lint', () => {
  test('When a module reads process.env, leaves a promise floating or misses a union member in a switch, then ESLint refuses it', () => {
    const planted = [
      'export async function flush(): Promise<number> { return 1; }',
      'flush();',
      'export const port = process.env.PORT;',
      'const { env } = process;',
      "export function size(kind: 'a' | 'b'): number { switch (kind) { case 'a': return 1; } return 0; }",
      'export const all = env;',
    ].join('\n');

    expect(eslint('src/errors.ts', planted)).toEqual([
      '2:@typescript-eslint/no-floating-promises',
      '3:no-restricted-properties',
      '4:no-restricted-properties',
      '5:@typescript-eslint/switch-exhaustiveness-check',
    ]);
    expect(eslint('src/main.ts', 'export const port = process.env.PORT;\n')).toEqual([]);
  }, 120_000);

  test('When a test sleeps or sets a timer instead of waiting on a condition, then ESLint refuses it; the one wait helper may poll', () => {
    const planted = [
      "import { setTimeout as pause } from 'node:timers/promises';",
      'export async function settle(): Promise<void> {',
      '  await new Promise((resolve) => setTimeout(resolve, 100));',
      '  await pause(10);',
      '  setInterval(() => undefined, 300);',
      '  await new Promise((resolve) => setImmediate(resolve));',
      '  await new Promise((resolve) => globalThis.setTimeout(resolve, 5));',
      '}',
      "export const socketTimeout = (socket: { setTimeout(ms: number): void }) => socket.setTimeout(1000);",
    ].join('\n');

    expect(eslint('test/integration/backpressure.test.ts', planted)).toEqual([
      '1:no-restricted-syntax',
      '3:no-restricted-syntax',
      '5:no-restricted-syntax',
      '6:no-restricted-syntax',
      '7:no-restricted-syntax',
    ]);
    expect(eslint('test/helpers/wait.ts', planted)).toEqual([]);
  }, 120_000);

  test('When a layer imports against the direction of DESIGN.md, then dependency-cruiser names the rule', () => {
    const violations = depcruise({
      'src/pipeline/spool.ts': 'export const spool = 1;\n',
      'src/vendors/acme/client.ts': 'export const send = 1;\n',
      'src/vendors/acme/intake.ts': "import express from 'express';\nimport { spool } from '../../pipeline/spool';\nexport const admit = [express, spool];\n",
      'src/sinks/acme-sink.ts': "import { send } from '../vendors/acme/client';\nimport { admit } from '../vendors/acme/intake';\nexport const relay = [send, admit];\n",
      'src/events/event.ts': "import { relay } from '../sinks/acme-sink';\nexport const event = relay;\n",
      'src/http/a.ts': "import { b } from './b';\nexport const a = () => b;\n",
      'src/http/b.ts': "import { a } from './a';\nimport request from 'supertest';\nexport const b = () => [a, request];\n",
    });

    expect(violations).toEqual([
      'events-not-to-outer-layers: src/events/event.ts -> src/sinks/acme-sink.ts',
      'no-circular: src/http/a.ts -> src/http/b.ts',
      'sinks-not-to-vendors: src/sinks/acme-sink.ts -> src/vendors/acme/client.ts',
      'sinks-not-to-vendors: src/sinks/acme-sink.ts -> src/vendors/acme/intake.ts',
      'src-not-to-dev-dependencies: src/http/b.ts -> node_modules/supertest/index.js',
      'vendors-not-to-express-pipeline-sinks-metrics: src/vendors/acme/intake.ts -> node_modules/express/index.js',
      'vendors-not-to-express-pipeline-sinks-metrics: src/vendors/acme/intake.ts -> src/pipeline/spool.ts',
    ]);
  }, 120_000);
});
