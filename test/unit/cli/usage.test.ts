import { runCli } from '../../../src/cli';
import { commands } from '../../../src/cli/commands';
import { loadConfig } from '../../../src/config';

/** What `imgw <argv>` prints, as lines. */
async function help(argv: string[]): Promise<string[]> {
  const out: string[] = [];
  const code = await runCli(argv, loadConfig({ DATA_DIR: '/nonexistent-imgw-help' }), { out: (line) => void out.push(line), err: (line) => void out.push(line) });
  expect(code).toBe(0);
  return out.join('\n').split('\n');
}

describe('imgw help texts', () => {
  test.each(['--help', 'quarantine --help', 'dlq --help'])('When `imgw %s` lists commands, then every summary starts in one column, on the usage line or the next', async (argv) => {
    const lines = await help(argv.split(' '));
    const listed = Object.values(commands).filter((c) => lines.some((line) => line.startsWith(`  ${c.usage} `) || line === `  ${c.usage}`));
    const columns = listed.map((c) => {
      const at = lines.findIndex((line) => line.startsWith(`  ${c.usage}`));
      const same = lines[at]!.indexOf(` ${c.summary}`, c.usage.length + 2);
      return same >= 0 ? same + 1 : lines[at + 1]!.indexOf(c.summary);
    });

    expect(listed.length).toBeGreaterThan(argv === '--help' ? 10 : 0);
    expect(new Set(columns).size).toBe(1);
    expect(columns[0]).toBeGreaterThan(0);
  });
});
