import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';

const root = join(__dirname, '..', '..');
interface Rules {
  groups: { rules: { alert: string; expr: string; annotations: Record<string, string> }[] }[];
}
const rule = YAML.parse(readFileSync(join(root, 'k8s/base/prometheusrule.yaml'), 'utf8')) as { spec: Rules };
const alerts = rule.spec.groups.flatMap((g) => g.rules);

/** Runs promtool on the PrometheusRule's spec (plain rule groups) and the unit tests beside it. */
function promtool(args: string[], rules: Rules = rule.spec): { code: number; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'imgw-rules-'));
  writeFileSync(join(dir, 'rules.yaml'), YAML.stringify(rules));
  copyFileSync(join(root, 'monitoring/alerts.test.yaml'), join(dir, 'alerts.test.yaml'));
  try {
    return { code: 0, output: execFileSync('promtool', args, { timeout: 60_000, cwd: dir, encoding: 'utf8', stdio: 'pipe' }) };
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return { code: e.status, output: `${e.stdout}${e.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('PrometheusRule alerts', () => {
  test('When promtool checks the rules, then all of them parse', () => {
    const result = promtool(['check', 'rules', 'rules.yaml']);

    expect(result.output).toContain(`SUCCESS: ${alerts.length} rules found`);
    expect(result.code).toBe(0);
  });

  test('When promtool runs the alert unit tests, then every alert fires when it should and stays silent otherwise', () => {
    const result = promtool(['test', 'rules', 'alerts.test.yaml']);
    const tested = new Set([...readFileSync(join(root, 'monitoring/alerts.test.yaml'), 'utf8').matchAll(/alertname: (\w+)/g)].map((m) => m[1]));

    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
    expect([...tested].sort()).toEqual(alerts.map((a) => a.alert).sort());
  });

  test('When an alert expression is broken, then promtool fails (the check can fail)', () => {
    const broken = structuredClone(rule.spec);
    broken.groups[0]!.rules[0]!.expr = 'sum(rate(imgw_callbacks_total[5m])';

    expect(promtool(['check', 'rules', 'rules.yaml'], broken).code).not.toBe(0);
  });

  test('When an alert fires, then its runbook exists as a section of docs/runbooks.md', () => {
    const runbooks = readFileSync(join(root, 'docs/runbooks.md'), 'utf8');

    for (const alert of alerts) {
      expect(alert.annotations.runbook_url).toBe(`docs/runbooks.md#${alert.alert.toLowerCase()}`);
      expect(runbooks).toContain(`\n## ${alert.alert}\n`);
    }
  });
});
