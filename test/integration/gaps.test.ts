import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { startService, type RunningService } from '../../src/service';
import { metricValue } from '../helpers/app';
import { loadFixture } from '../helpers/fixtures';
import { tempDataDir } from '../helpers/service';
import { callbackPath, TEST_TOKEN } from '../helpers/tencent';
import { until } from '../helpers/wait';

const group = loadFixture('group-after-send');
const VIEWER = 'viewer-token-0123456789abcdef0123456789abcdef';
const OPERATOR = 'operator-token-0123456789abcdef0123456789abcd';
const sha = (token: string) => createHash('sha256').update(token).digest('hex');
type GapPage = { items: Record<string, unknown>[] };

describe('gap records of a running service', () => {
  let dataDir: string;
  let now: number;
  const running: RunningService[] = [];
  const start = (env: Record<string, string> = {}) => {
    const config = loadConfig({
      PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, TENCENT_SDKAPPIDS: '1400000001', TENCENT_CALLBACK_TOKENS: TEST_TOKEN,
      ADMIN_TOKENS: `alice:viewer:sha256:${sha(VIEWER)},bob:operator:sha256:${sha(OPERATOR)}`, ...env,
    });
    return startService(config, pino({ level: 'silent' }), () => now).then((service) => (running.push(service), service));
  };
  const gaps = async (service: RunningService, query: string): Promise<GapPage> =>
    (await (await fetch(`${service.adminUrl}/gaps?${query}`, { headers: { authorization: `Bearer ${VIEWER}` } })).json()) as GapPage;
  const postGroup = (service: RunningService, seq: number) =>
    fetch(`http://127.0.0.1:${service.port}${callbackPath(group.query, { requestTime: Math.floor(now / 1000) })}`, {
      method: 'POST',
      body: JSON.stringify({ ...group.body, MsgSeq: seq, MsgTime: Math.floor(now / 1000) + seq }),
    });

  beforeEach(() => {
    dataDir = tempDataDir();
    now = Date.now();
  });
  afterEach(async () => {
    for (const service of running.splice(0)) await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('When the gateway was stopped for two minutes, then the next start records that window as an open outage, in the admin API and the metrics', async () => {
    const first = await start();
    const stoppedAt = now;
    await first.stop();
    now += 120_000;

    const second = await start();

    const page = await gaps(second, 'kind=outage');
    expect(page.items).toEqual([expect.objectContaining({ kind: 'outage', fromAt: stoppedAt, untilAt: stoppedAt + 120_000, state: 'open' })]);
    expect(await metricValue(second.registry, 'imgw_gaps_detected_total', { kind: 'outage' })).toBe(1);
    expect(await metricValue(second.registry, 'imgw_last_outage_seconds')).toBe(120);
    expect(await metricValue(second.registry, 'imgw_gaps_open', { kind: 'outage' })).toBe(1);
    expect(await metricValue(second.registry, 'imgw_gap_oldest_open_seconds', { kind: 'outage' })).toBe(120);
  });

  test('When an operator settles an open outage by hand, then it is no longer open (API, metrics), the trail names who and why, and it cannot be settled twice', async () => {
    const first = await start();
    await first.stop();
    now += 120_000;
    const second = await start();
    const [outage] = (await gaps(second, 'kind=outage')).items;
    const settle = (gid: unknown, token: string, body: unknown) =>
      fetch(`${second.adminUrl}/gaps/${String(gid)}/settle`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

    const asViewer = await settle(outage?.['gid'], VIEWER, { state: 'unfillable', note: 'no backfill for this vendor' });
    const badState = await settle(outage?.['gid'], OPERATOR, { state: 'open', note: 'x' });
    const noNote = await settle(outage?.['gid'], OPERATOR, { state: 'unfillable', note: '  ' });
    const unknown = await settle(999_999, OPERATOR, { state: 'unfillable', note: 'x' });
    const settled = await settle(outage?.['gid'], OPERATOR, { state: 'unfillable', note: 'no backfill for this vendor' });
    const again = await settle(outage?.['gid'], OPERATOR, { state: 'filled', note: 'twice' });

    expect([asViewer.status, badState.status, noNote.status, unknown.status, settled.status, again.status]).toEqual([403, 400, 400, 404, 200, 409]);
    expect(await settled.json()).toEqual(expect.objectContaining({ gid: outage?.['gid'], kind: 'outage', state: 'unfillable', note: 'settled by bob: no backfill for this vendor' }));
    expect(await again.json()).toEqual(expect.objectContaining({ error: 'refused', message: `gap ${String(outage?.['gid'])} is not open (it is unfillable)` }));
    expect((await gaps(second, 'kind=outage&state=open')).items).toEqual([]);
    expect(await metricValue(second.registry, 'imgw_gaps_open', { kind: 'outage' })).toBe(0);
    const trail = (await (await fetch(`${second.adminUrl}/audit`, { headers: { authorization: `Bearer ${VIEWER}` } })).json()) as GapPage;
    expect(trail.items.filter((entry) => entry['action'] === 'gap.settle')).toEqual([
      expect.objectContaining({ actor: 'bob', count: 1, target: { gid: outage?.['gid'], kind: 'outage', state: 'unfillable', note: 'no backfill for this vendor' } }),
    ]);
  });

  test('When a Tencent group message number never arrives, then a sequence gap with the missing numbers is recorded after the grace period', async () => {
    const service = await start({ GAP_ALIVE_INTERVAL: '20ms', GAP_SEQUENCE_GRACE: '0s' });

    for (const seq of [1, 2, 5]) expect((await postGroup(service, seq)).status).toBe(200);

    let page: GapPage = { items: [] };
    await until(async () => (page = await gaps(service, 'kind=sequence')).items.length > 0);
    expect(page.items).toEqual([expect.objectContaining({ kind: 'sequence', vendor: 'tencent', app: '1400000001', conversation: group.body['GroupId'], fromSeq: 3, untilSeq: 4, state: 'open' })]);
    // The row is visible once its transaction commits; the counter moves once the commit is on disk.
    await until(async () => ((await metricValue(service.registry, 'imgw_gaps_detected_total', { kind: 'sequence' })) ?? 0) >= 1, { what: 'the sequence gap counted' });
    expect(await metricValue(service.registry, 'imgw_gaps_detected_total', { kind: 'sequence' })).toBe(1);
    expect((await gaps(service, 'kind=outage')).items).toEqual([]);
  });

  test('When a group hole spans a restart, then the first message after it finds the hole from the mark kept on disk', async () => {
    const first = await start({ GAP_ALIVE_INTERVAL: '20ms', GAP_SEQUENCE_GRACE: '0s' });
    expect((await postGroup(first, 7)).status).toBe(200);
    await first.stop();

    const second = await start({ GAP_ALIVE_INTERVAL: '20ms', GAP_SEQUENCE_GRACE: '0s' });
    expect((await postGroup(second, 10)).status).toBe(200);

    await until(async () => (await gaps(second, 'kind=sequence')).items.length > 0);
    expect((await gaps(second, 'kind=sequence')).items).toEqual([expect.objectContaining({ fromSeq: 8, untilSeq: 9 })]);
  });
});
