import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningService } from '../../src/service';
import { loadFixture } from '../helpers/fixtures';
import { readJsonl } from '../helpers/process';
import { startTestService, tempDataDir } from '../helpers/service';
import { callbackPath } from '../helpers/tencent';
import { until } from '../helpers/wait';

const sample = loadFixture('c2c-after-send-official');
const OPERATOR = 'operator-token-fedcba9876543210fedcba9876543210';
const env = { ADMIN_TOKENS: `bob:operator:sha256:${createHash('sha256').update(OPERATOR).digest('hex')}` };

describe('POST /sinks/{sink}/pause', () => {
  let dataDir: string;
  let service: RunningService | undefined;
  beforeEach(() => {
    dataDir = tempDataDir();
  });
  afterEach(async () => {
    await service?.stop();
    service = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  // "held" is paused; "control" takes the same events, so once it has them "held" had every chance too.
  const file = () => ({
    sinks: [
      { type: 'file', name: 'held', path: join(dataDir, 'held.jsonl') },
      { type: 'file', name: 'control', path: join(dataDir, 'control.jsonl') },
    ],
  });
  const start = async () => (service = await startTestService(dataDir, file(), undefined, env));
  const ids = (sink: string) => readJsonl(join(dataDir, `${sink}.jsonl`)).map((event) => event['id']);
  async function post(key: string): Promise<void> {
    const path = callbackPath(sample.query, { requestTime: Math.floor(Date.now() / 1000) });
    const res = await fetch(`http://127.0.0.1:${(service as RunningService).port}${path}`, { method: 'POST', body: JSON.stringify({ ...sample.body, MsgKey: key }) });
    expect(res.status).toBe(200);
  }
  async function api(path: string, method = 'POST'): Promise<Record<string, unknown>> {
    const res = await fetch(`${(service as RunningService).adminUrl}${path}`, { method, headers: { authorization: `Bearer ${OPERATOR}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, unknown>;
  }

  test('When a paused sink\'s service restarts, then it stays paused and receives nothing until resumed, then every event exactly once', async () => {
    await start();
    await post('before-pause');
    await until(() => ids('held').length === 1 && ids('control').length === 1, { what: 'the first event reached both sinks' });
    const paused = await api('/sinks/held/pause');
    for (const key of ['k1', 'k2', 'k3']) await post(key);
    await until(() => ids('control').length === 4, { what: 'the control sink got the events sent while paused' });
    await (service as RunningService).stop();
    service = undefined;

    await start();
    const stats = await api('/stats', 'GET');
    for (const key of ['k4', 'k5']) await post(key);
    await until(() => ids('control').length === 6, { what: 'the control sink got the events sent after the restart' });
    const heldWhilePaused = ids('held');
    const resumed = await api('/sinks/held/resume');
    await until(() => ids('held').length >= 6, { what: 'the resumed sink caught up' });
    const trail = (await api('/audit?limit=10', 'GET'))['items'] as { action: string; count: number }[];

    expect(paused).toEqual({ sink: 'held', paused: true });
    expect(stats['pausedSinks']).toEqual(['held']);
    expect(heldWhilePaused).toHaveLength(1);
    expect(resumed).toEqual({ sink: 'held', paused: false });
    expect(ids('held')).toHaveLength(6);
    expect(new Set(ids('held'))).toEqual(new Set(ids('control')));
    expect(trail.filter((entry) => entry.action.startsWith('sink.')).map((entry) => [entry.action, entry.count])).toEqual([['sink.resume', 1], ['sink.pause', 1]]);
  }, 60_000);
});
