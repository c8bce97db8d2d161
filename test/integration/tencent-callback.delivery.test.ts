import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningService } from '../../src/service';
import { metricValue } from '../helpers/app';
import { loadFixture } from '../helpers/fixtures';
import { startTestService, tempDataDir } from '../helpers/service';
import { until } from '../helpers/wait';
import { callbackPath } from '../helpers/tencent';

const sample = loadFixture('c2c-after-send-official');

async function post(service: RunningService, body: unknown) {
  const res = await fetch(`http://127.0.0.1:${service.port}${callbackPath(sample.query, { requestTime: Math.floor(Date.now() / 1000) })}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const lines = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : []);

describe('delivery through the spool to the file sink', () => {
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

  test('When the documented sample is posted, then it is answered OK and is exactly one CloudEvent line in events.jsonl', async () => {
    service = await startTestService(dataDir);
    const file = join(dataDir, 'events.jsonl');

    const res = await post(service, sample.body);
    await until(() => lines(file).length === 1);
    await service.stop();

    expect(res).toEqual({ status: 200, body: { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' } });
    const [line] = lines(file);
    const event = JSON.parse(line!);
    expect(event).toMatchObject({ specversion: '1.0', source: 'tencent-im/1400000001', type: 'com.tencent.im.C2C.CallbackAfterSendMsg', msgkey: '48374_2837546_1557481126' });
    expect(event.data).toEqual(sample.body);
    expect(lines(file)).toHaveLength(1);
  });

  test('When the service has stopped, then nothing holds the spool: its WAL and shared-memory files are gone', async () => {
    service = await startTestService(dataDir);
    const file = join(dataDir, 'events.jsonl');
    for (let i = 0; i < 20; i++) expect((await post(service, { ...sample.body, MsgKey: `stop_${i}` })).status).toBe(200);
    await until(() => lines(file).length === 20);
    expect(existsSync(join(dataDir, 'spool.db-wal'))).toBe(true);

    await service.stop();

    // The checkpoint thread closed its connection first, so the service's own was the last and cleaned up.
    expect(readdirSync(dataDir).filter((name) => /^spool\.db(-wal|-shm)?$/.test(name)).sort()).toEqual(['spool.db']);
  });

  test('When the same sample is posted three times, then the file holds it once', async () => {
    service = await startTestService(dataDir);
    const file = join(dataDir, 'events.jsonl');

    const replies = [await post(service, sample.body), await post(service, sample.body), await post(service, sample.body)];
    await until(() => lines(file).length >= 1);
    await service.stop();

    expect(replies.map((r) => r.body.ErrorInfo)).toEqual(['', 'duplicate: already received', 'duplicate: already received']);
    expect(lines(file)).toHaveLength(1);
  });

  test('When the sink could not take events before a stop, then the next start delivers them', async () => {
    const path = join(dataDir, 'out', 'events.jsonl');
    mkdirSync(path, { recursive: true });
    const file = { sinks: [{ type: 'file', path, retryInitialMs: 10, retryMaxMs: 20 }] };
    const clock = { now: Date.now() };
    const first = await startTestService(dataDir, file, () => clock.now);
    service = first;

    const replies = [await post(service, sample.body), await post(service, { ...sample.body, MsgKey: '2_2_2' })];
    await until(async () => ((await metricValue(first.registry, 'imgw_sink_deliveries_total', { sink: 'file', outcome: 'error' })) ?? 0) >= 1);
    await service.stop();
    rmSync(path, { recursive: true });
    service = await startTestService(dataDir, file, () => clock.now);
    // The first start scheduled retries on its clock: move it so they come due.
    await until(() => lines(path).length === 2, { step: () => (clock.now += 1000) });

    expect(replies.every((r) => r.status === 200 && r.body.ActionStatus === 'OK')).toBe(true);
    expect(lines(path).map((l) => JSON.parse(l).msgkey)).toEqual(['48374_2837546_1557481126', '2_2_2']);
  });
});
