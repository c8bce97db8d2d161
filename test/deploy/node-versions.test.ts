import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { oldestNode } from '../../src/startup-hints';

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

  test('When engines names its oldest Node, then it is the oldest whose node:sqlite has what the spool uses, the one start-up checks', () => {
    expect(semver.minVersion(engines)?.version).toBe(oldestNode);
  });

  test('When CI runs the suite, then it runs on the oldest release line engines admits too, not only on the image\'s Node', () => {
    const majors = ciVersions.map((version) => semver.major(version));

    expect(majors).toContain(semver.major(oldestNode));
    expect(new Set(majors).size).toBe(ciVersions.length);
  });
});
