import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { consoleCss } from '../../src/admin/console/styles';
import { builtAssets } from '../helpers/console';

describe('console assets', () => {
  test('When the console is built, then its JavaScript and CSS together stay under 150 KB compressed, and no module loads anything from elsewhere', () => {
    const modules = readdirSync(builtAssets).filter((file) => file.endsWith('.js'));
    const sources = modules.map((file) => readFileSync(join(builtAssets, file), 'utf8'));

    const compressed = [...sources, consoleCss].reduce((sum, text) => sum + gzipSync(text, { level: 9 }).length, 0);

    expect(modules).toContain('main.js');
    expect(compressed).toBeLessThan(150 * 1024);
    for (const source of sources) expect(source).not.toMatch(/\bfrom\s+['"](?!\.\/)|import\(\s*['"]https?:/);
  });
});
