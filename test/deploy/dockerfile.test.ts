import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Copy, DockerfileParser } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';

const root = join(__dirname, '..', '..');
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');

/** dockerfile-utils diagnostics at warning level or worse. */
const problems = (text: string) => validate(text).filter((d) => (d.severity ?? 1) <= 2).map((d) => `${d.range.start.line + 1}: ${d.message}`);

/** Every COPY --from names an earlier stage (dockerfile-utils does not check this). */
function badStageRefs(text: string): string[] {
  const stages: string[] = [];
  const bad: string[] = [];
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    if (instruction.getKeyword() === 'FROM') stages.push((instruction as unknown as { getBuildStage(): string }).getBuildStage());
    if (instruction instanceof Copy) {
      const from = instruction.getFlags().find((flag) => flag.getName() === 'from')?.getValue();
      if (from && !stages.includes(from) && !/^\d+$/.test(from) && !/[:/]/.test(from)) bad.push(from);
    }
  }
  return bad;
}

describe('Dockerfile', () => {
  test('When linted by dockerfile-utils, dockerfilelint and the stage check, then it is clean', () => {
    const lint = execFileSync(process.execPath, [join(root, 'node_modules', 'dockerfilelint', 'bin', 'dockerfilelint'), join(root, 'Dockerfile')], { timeout: 300_000, encoding: 'utf8' });

    expect(problems(dockerfile)).toEqual([]);
    expect(lint).toContain('Issues: None found');
    expect(badStageRefs(dockerfile)).toEqual([]);
  });

  test('When planted mistakes are linted, then each tool catches its kind (the checks can fail)', () => {
    expect(problems(dockerfile.replace('USER node', 'USER'))).not.toEqual([]);
    expect(problems(dockerfile.replace('WORKDIR /app', 'WORKDIRR /app'))).not.toEqual([]);
    expect(badStageRefs(dockerfile.replaceAll('--from=build', '--from=biuld'))).toEqual(['biuld', 'biuld']);
  });

  test('When the image runs, then it is multi-stage, non-root, with an init as PID 1 and node as the command', () => {
    const instructions = DockerfileParser.parse(dockerfile).getInstructions().map((i) => `${i.getKeyword()} ${i.getArgumentsContent() ?? ''}`);
    const runtime = instructions.slice(instructions.findIndex((i) => i.startsWith('FROM') && i.includes('AS runtime')));

    expect(instructions.filter((i) => i.startsWith('FROM'))).toEqual([expect.stringMatching(/^FROM node:\S+ AS build$/), expect.stringMatching(/^FROM node:\S+ AS runtime$/)]);
    expect(runtime).toContain('USER node');
    expect(runtime).toContain('ENTRYPOINT ["/usr/bin/tini", "--"]');
    expect(runtime).toContain('CMD ["node", "--max-semi-space-size=8", "--v8-pool-size=0", "--no-concurrent-recompilation", "dist/main.js"]');
    expect(runtime).toContain('EXPOSE 8080');
    expect(runtime.some((i) => i.startsWith('RUN') && i.includes('npm'))).toBe(false);
    expect(readFileSync(join(root, '.dockerignore'), 'utf8').split('\n')).toEqual(expect.arrayContaining(['node_modules', 'dist', 'data', '.git']));
  });
});
