import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningService } from '../../src/service';
import { allFixtures, loadFixture } from '../helpers/fixtures';
import { postCallback } from '../helpers/process';
import { freePort, waitForPort } from '../helpers/servers';
import { startTestService, tempDataDir } from '../helpers/service';
import { until } from '../helpers/wait';
import { callbackPath } from '../helpers/tencent';
import { typecheck } from '../helpers/typecheck';

const root = join(__dirname, '..', '..');
const dashboardPath = join(root, 'k8s/base/grafana-dashboard.json');
const dashboard = JSON.parse(readFileSync(dashboardPath, 'utf8')) as { panels: Panel[] };
interface Panel {
  id: number;
  title: string;
  type: string;
  targets?: { refId: string; expr: string }[];
}
const labels = { namespace: 'im-gateway', pod: 'im-gateway-0' };
/** Grafana variables as the dashboard would fill them for the scraped test pod. */
const vars: Record<string, string> = { __rate_interval: '1m', __interval: '15s', __range: '1h', datasource: 'prometheus', vendor: 'tencent', ...labels };
const substitute = (expr: string) => expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g, (_m, a?: string, b?: string) => vars[(a ?? b)!] ?? '.*');
/** Panels whose query may rightly return nothing under the test traffic (none so far). */
const expectedEmpty = new Set<string>();

describe('Grafana dashboard', () => {
  test('When type-checked against @grafana/schema, then the dashboard JSON is a valid Dashboard', () => {
    const source = `import type { Dashboard } from '@grafana/schema';\nexport const d = ${readFileSync(dashboardPath, 'utf8').trim()} satisfies Dashboard;\n`;

    expect(typecheck('dashboard', source)).toBe('');
    expect(typecheck('dashboard-broken', source.replace('"gridPos"', '"gridPoss"'))).toMatch(/gridPoss/);
  }, 60_000);

  describe('against a live Prometheus scraping the running gateway', () => {
    let service: RunningService;
    let prometheus: ChildProcess;
    let promUrl: string;
    let dataDir: string;
    let promDir: string;

    beforeAll(async () => {
      dataDir = tempDataDir();
      const secret = 'whsec_ZGFzaGJvYXJkLXRlc3Qtc2VjcmV0LTMyLWJ5dGVzLi4=';
      service = await startTestService(dataDir, {
        sinks: [{ type: 'file' }, { type: 'http', url: 'http://127.0.0.1:9/unreachable', secret, timeoutMs: 200, retryInitialMs: 50, retryMaxMs: 100, maxAgeMs: 1000 }],
      });
      for (const fixture of allFixtures()) await postCallback(service.port, fixture, fixture.body);
      const text = loadFixture('c2c-after-send-text');
      await fetch(`http://127.0.0.1:${service.port}${callbackPath(text.query, { token: 'wrong' })}`, { method: 'POST', body: '{}' });
      await fetch(`http://127.0.0.1:${service.port}${callbackPath(text.query, { requestTime: Math.floor(Date.now() / 1000) })}`, { method: 'POST', body: '{"broken' });

      promDir = mkdtempSync(join(tmpdir(), 'imgw-prom-'));
      const port = await freePort();
      promUrl = `http://127.0.0.1:${port}`;
      writeFileSync(
        join(promDir, 'prometheus.yml'),
        `global: {scrape_interval: 1s, evaluation_interval: 1s}\nscrape_configs:\n  - job_name: im-gateway\n    static_configs:\n      - targets: ['127.0.0.1:${service.port}']\n        labels: ${JSON.stringify(labels)}\n`,
      );
      prometheus = spawn('prometheus', [`--config.file=${join(promDir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(promDir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: 'ignore' });
      await waitForPort(port);
      // The port opens before the storage is ready: /-/ready answers 503 until then.
      await until(async () => (await fetch(`${promUrl}/-/ready`).catch(() => undefined))?.ok === true, 30_000);
      const query = async (q: string) => {
        const res = await fetch(`${promUrl}/api/v1/query?${new URLSearchParams({ query: q })}`);
        return res.ok ? ((await res.json()) as { data: { result: unknown[] } }).data.result : [];
      };
      await until(async () => (await query('up{job="im-gateway"} == 1')).length > 0, 30_000);
      // Keep traffic flowing across several scrapes so every rate() has two samples in its window:
      // after each callback, wait for Prometheus to scrape again.
      const scrapes = async () => Number((await query('count_over_time(up{job="im-gateway"}[10m])') as { value: [number, string] }[])[0]?.value[1] ?? 0);
      for (let i = 0; i < 4; i++) {
        const seen = await scrapes();
        await postCallback(service.port, text, { ...text.body, MsgKey: `dash_${i}` });
        await until(async () => (await scrapes()) > seen, 30_000);
      }
    }, 90_000);

    afterAll(async () => {
      prometheus?.kill('SIGTERM');
      await new Promise((resolve) => prometheus?.once('exit', resolve));
      await service?.stop();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(promDir, { recursive: true, force: true });
    });

    const targets = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => [`panel ${panel.id} "${panel.title}" ${target.refId}`, target.expr] as const));

    test.each(targets)('When %s is evaluated, then it parses and returns data', async (where, expr) => {
      const res = await fetch(`${promUrl}/api/v1/query?${new URLSearchParams({ query: substitute(expr) })}`);
      const body = (await res.json()) as { status: string; error?: string; data?: { result: unknown[] } };

      expect({ where, status: body.status, error: body.error }).toEqual({ where, status: 'success', error: undefined });
      if (!expectedEmpty.has(where)) expect({ where, series: (body.data?.result.length ?? 0) > 0 }).toEqual({ where, series: true });
    });

    test('When a panel names a metric that does not exist, then the live check finds no data (the check can fail)', async () => {
      const res = await fetch(`${promUrl}/api/v1/query?${new URLSearchParams({ query: substitute('sum(rate(imgw_callback_total{namespace=~"$namespace"}[$__rate_interval]))') })}`);

      expect(((await res.json()) as { data: { result: unknown[] } }).data.result).toEqual([]);
    });

    test('When a panel queries a metric with a vendor label, then it filters by the $vendor variable', async () => {
      const text = await (await fetch(`http://127.0.0.1:${service.port}/metrics`)).text();
      const vendorLabelled = new Set([...text.matchAll(/^(\w+)\{[^}]*\bvendor="/gm)].map((m) => m[1]!));
      const unfiltered = targets.filter(([, expr]) => [...vendorLabelled].some((name) => new RegExp(`\\b${name}\\{(?![^}]*vendor=~"\\$vendor")`).test(expr)));

      expect(vendorLabelled).toContain('imgw_callbacks_total');
      expect(unfiltered).toEqual([]);
    });

    test('When promtool checks the live /metrics, then the whole exposition is clean', async () => {
      const text = await (await fetch(`http://127.0.0.1:${service.port}/metrics`)).text();

      expect(execFileSync('promtool', ['check', 'metrics'], { timeout: 60_000, input: text, encoding: 'utf8' }).trim()).toBe('');
    });
  });
});
