import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import semver from 'semver';

const root = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
/** Node release lines with their end of life (https://github.com/nodejs/release#release-schedule). */
const endOfLife: Record<number, string> = { 18: '2025-04-30', 20: '2026-04-30', 21: '2024-06-01', 22: '2027-04-30', 23: '2025-06-01', 24: '2028-04-30', 25: '2026-06-01', 26: '2029-04-30' };
const baseImages = [...read('Dockerfile').matchAll(/^FROM node:(\S+)/gm)].map((m) => m[1]!);
const ciVersions = /^NODE_VERSIONS=\$\{NODE_VERSIONS:-([^}]+)\}/m.exec(read('.ci/run'))![1]!.split(' ');

describe('Supported Node versions', () => {
  test('When package.json states its engines, then it admits no end-of-life line and every maintained LTS line', () => {
    const today = '2026-11-23';

    for (const [major, eol] of Object.entries(endOfLife)) {
      const maintainedLts = Number(major) % 2 === 0 && eol > today;
      expect({ major, admitted: semver.intersects(`${major}.x`, engines) }).toEqual({ major, admitted: maintainedLts });
    }
  });

  test('When the image is built, then every stage uses the same pinned Node, one CI runs the suite on, within engines', () => {
    const [build, runtime] = baseImages;

    expect(baseImages).toHaveLength(2);
    expect(runtime).toBe(build);
    expect(build).toMatch(/^\d+\.\d+\.\d+-bookworm-slim$/);
    const version = build!.replace(/-.*/, '');
    expect(semver.satisfies(version, engines)).toBe(true);
    expect(ciVersions).toContain(version);
    for (const ci of ciVersions) expect(semver.satisfies(ci, engines)).toBe(true);
  });

  test('When better-sqlite3 was compiled, then for this Node and against headers whose ObjectWrap has no cleanup hooks (nodejs/node#65446)', () => {
    const gypi = readFileSync(join(root, 'node_modules/better-sqlite3/build/config.gypi'), 'utf8');
    const nodedir = /"nodedir": "([^"]+)"/.exec(gypi)![1]!;
    const abi = /"node_module_version": (\d+)/.exec(gypi)![1];

    expect(abi).toBe(process.versions.modules);
    expectNoCleanupHooks(join(nodedir, 'include/node/node_object_wrap.h'));
  });

  test('When the headers have cleanup hooks, then the failure names the file and only the lines that have them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'imgw-headers-'));
    const header = join(dir, 'node_object_wrap.h');
    const filler = Array.from({ length: 2000 }, (_, i) => `// line ${i}`).join('\n');
    writeFileSync(header, `${filler}\nclass ObjectWrap {\n  node::AddEnvironmentCleanupHook(isolate, DeleteMe, this);\n};\n${filler}\n`);
    let message = '';
    try {
      expectNoCleanupHooks(header);
    } catch (error) {
      message = (error as Error).message;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    expect(message).toContain(header);
    expect(message).toContain('node::AddEnvironmentCleanupHook(isolate, DeleteMe, this);');
    expect(message).not.toContain('// line');
    expect(message.length).toBeLessThan(1500);
  });
});

/** Asserts on what matters in the ObjectWrap header (not the whole file, which a failure would print). */
function expectNoCleanupHooks(path: string): void {
  const lines = readFileSync(path, 'utf8').split('\n');
  const facts = {
    path,
    declaresObjectWrap: lines.some((line) => line.includes('class ObjectWrap')),
    cleanupHookLines: lines.filter((line) => line.includes('AddEnvironmentCleanupHook')).map((line) => line.trim()),
  };
  expect(facts).toEqual({ path, declaresObjectWrap: true, cleanupHookLines: [] });
}
