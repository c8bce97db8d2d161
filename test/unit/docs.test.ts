import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configTable, metricsTable, repliesTable, sinkSettingsTable } from '../../src/docs';
import { envSchema } from '../../src/config';
import { failureReasons, quarantineReasons } from '../../src/errors';

const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
const section = (name: string) => new RegExp(`<!-- ${name}:start -->\\n([\\s\\S]*?)\\n<!-- ${name}:end -->`).exec(readme)?.[1];

describe('README reference tables', () => {
  test('When the configuration table is compared with the env schema, then they match (run `npm run docs` to fix)', () => {
    expect(section('config')).toBe(configTable());
    for (const name of Object.keys(envSchema.shape)) expect(section('config')).toContain(`| \`${name}\` |`);
  });

  test('When the sink settings table is compared with the delivery settings schema, then they match', () => {
    expect(section('sink-settings')).toBe(sinkSettingsTable());
  });

  test('When the replies table is compared with the failure catalogue, then every reason is there and nothing else', () => {
    const table = section('replies') ?? '';
    const listed = [...table.matchAll(/\(`([a-z_]+)`\)/g)].map((m) => m[1]).sort();

    expect(table).toBe(repliesTable());
    expect(listed).toEqual([...Object.keys(failureReasons), ...Object.keys(quarantineReasons)].sort());
  });

  test('When the metrics table is compared with the registry, then they match', async () => {
    expect(section('metrics')).toBe(await metricsTable());
  });
});
