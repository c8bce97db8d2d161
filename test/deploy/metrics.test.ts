import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import type { RunningService } from '../../src/service';
import { allFixtures, loadFixture } from '../helpers/fixtures';
import { postCallback } from '../helpers/process';
import { startTestService, tempDataDir } from '../helpers/service';
import { callbackPath } from '../helpers/tencent';

/** `promtool check metrics` reads the exposition on stdin; exit 0 = clean, 3 = lint problems, 1 = parse error. */
function promtoolCheckMetrics(exposition: string): { code: number | null; problems: string } {
  const result = spawnSync('promtool', ['check', 'metrics'], { timeout: 60_000, input: exposition, encoding: 'utf8' });
  return { code: result.status, problems: `${result.stdout}${result.stderr}`.trim() };
}

describe('GET /metrics', () => {
  let service: RunningService;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = tempDataDir();
    service = await startTestService(dataDir, { sinks: [{ type: 'file' }, { type: 'memory', name: 'audit', required: false }] });
    for (const fixture of allFixtures()) await postCallback(service.port, fixture, fixture.body);
    const text = loadFixture('c2c-after-send-text');
    await fetch(`http://127.0.0.1:${service.port}${callbackPath(text.query, { token: 'wrong' })}`, { method: 'POST', body: '{}' });
    await fetch(`http://127.0.0.1:${service.port}${callbackPath(text.query, { requestTime: Math.floor(Date.now() / 1000) })}`, { method: 'POST', body: '{"broken' });
  });

  afterAll(async () => {
    await service?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('When promtool checks the whole exposition (process and Node.js metrics included), then it finds no problem', async () => {
    const exposition = await (await fetch(`http://127.0.0.1:${service.port}/metrics`)).text();

    expect(exposition).toMatch(/^nodejs_eventloop_lag_p99_seconds /m);
    expect(exposition).toMatch(/^process_cpu_seconds_total /m);
    expect(exposition).toMatch(/^imgw_callbacks_total\{/m);
    expect(promtoolCheckMetrics(exposition)).toEqual({ code: 0, problems: '' });
  });

  test('When the Node.js active-handle gauges keep their counter-style names, then promtool refuses them (the check can fail)', async () => {
    const exposition = await (await fetch(`http://127.0.0.1:${service.port}/metrics`)).text();
    const planted = `${exposition}# HELP nodejs_active_handles_total Total number of active handles.\n# TYPE nodejs_active_handles_total gauge\nnodejs_active_handles_total 3\n`;

    expect(exposition).not.toMatch(/^nodejs_active_(handles|requests|resources)_total/m);
    expect(promtoolCheckMetrics(planted)).toEqual({ code: 3, problems: expect.stringContaining('nodejs_active_handles_total non-counter metrics should not have "_total" suffix') });
  });
});
