import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { configTable, metricsTable, repliesTable, sinkSettingsTable } from '../../src/docs';
import { envSchema } from '../../src/config';
import { failureReasons, quarantineReasons } from '../../src/errors';

const root = join(__dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
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

  test('When the alerts table is compared with the PrometheusRule, then every alert is listed once, critical ones marked, and nothing else', () => {
    const rule = YAML.parse(readFileSync(join(root, 'k8s/base/prometheusrule.yaml'), 'utf8')) as { spec: { groups: { rules: { alert: string; labels: { severity: string } }[] }[] } };
    const alerts = rule.spec.groups.flatMap((group) => group.rules).map((r) => (r.labels.severity === 'critical' ? `${r.alert} (critical)` : r.alert));
    const rows = [...readme.matchAll(/^ *\| `(ImGateway\w+)`( \(critical\))? \|/gm)].map((m) => `${m[1]}${m[2] ?? ''}`);

    expect(rows.sort()).toEqual(alerts.sort());
  });
});
