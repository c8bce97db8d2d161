import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadFixture } from '../helpers/fixtures';
import { launchService, readJsonl } from '../helpers/process';
import { tempDataDir } from '../helpers/service';
import { until } from '../helpers/wait';
import { callbackPath } from '../helpers/tencent';

const sample = loadFixture('c2c-after-send-official');

describe('fault: forged and replayed requests', () => {
  test('When forged, stale, foreign-app and replayed requests arrive, then none is stored and the captured message is delivered once', async () => {
    const dataDir = tempDataDir();
    const service = await launchService({ PORT: '0', DATA_DIR: dataDir });
    const base = `http://127.0.0.1:${service.port}`;
    const now = () => Math.floor(Date.now() / 1000);
    const send = async (path: string, body: Record<string, unknown>) => {
      const res = await fetch(base + path, { method: 'POST', body: JSON.stringify(body) });
      return res.status;
    };
    const tally = async (count: number, make: (i: number) => [string, Record<string, unknown>]) => {
      const statuses: Record<number, number> = {};
      for (let i = 0; i < count; i++) {
        const status = await send(...make(i));
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
      return statuses;
    };
    const body = (i: number) => ({ ...sample.body, MsgKey: `forged_${i}` });

    const wrongSign = await tally(100, (i) => [callbackPath(sample.query, { token: `guess-${i}`, requestTime: now() }), body(i)]);
    const stale = await tally(100, (i) => [callbackPath(sample.query, { requestTime: now() - 120 - i }), body(i)]);
    const foreignApp = await tally(100, (i) => [callbackPath({ ...sample.query, SdkAppid: String(1400000100 + i) }, { requestTime: now() }), body(i)]);
    const unsigned = await tally(100, (i) => [callbackPath(sample.query, { token: null }), body(i)]);
    const captured = callbackPath(sample.query, { requestTime: now() });
    const replays = await tally(50, () => [captured, sample.body]);
    const file = join(dataDir, 'events.jsonl');
    // Every request has been answered; once the file holds as many events as the service accepted, nothing more will come.
    const accepted = async () => {
      const text = await (await fetch(`${base}/metrics`)).text();
      return [...text.matchAll(/^imgw_callbacks_total\{[^}]*outcome="accepted"[^}]*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    };
    await until(async () => readJsonl(file).length >= 1 && readJsonl(file).length === (await accepted()));
    const stored = readJsonl(file);
    const acceptedTotal = await accepted();
    service.child.kill('SIGTERM');
    await service.exited();
    rmSync(dataDir, { recursive: true, force: true });

    console.log(
      `forgery: wrong Sign ${JSON.stringify(wrongSign)}, stale RequestTime ${JSON.stringify(stale)}, other SdkAppid ${JSON.stringify(foreignApp)}, ` +
        `no Sign ${JSON.stringify(unsigned)}; one captured request replayed 50 times ${JSON.stringify(replays)}; events delivered ${stored.length}`,
    );
    expect(wrongSign).toEqual({ 401: 100 });
    expect(stale).toEqual({ 401: 100 });
    expect(foreignApp).toEqual({ 403: 100 });
    expect(unsigned).toEqual({ 401: 100 });
    expect(replays).toEqual({ 200: 50 });
    expect(acceptedTotal).toBe(1);
    expect(stored.map((e) => e.msgkey)).toEqual([sample.body.MsgKey]);
  }, 60_000);
});
