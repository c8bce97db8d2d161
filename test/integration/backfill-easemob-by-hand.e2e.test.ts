import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runCliProcess } from '../helpers/cli';
import { startEasemobHistoryStandin, type EasemobHistoryStandin, type StoredMessage } from '../helpers/easemob-history-standin';
import { launchService, readJsonl, type ServiceProcess } from '../helpers/process';
import { tempDataDir } from '../helpers/service';
import { until } from '../helpers/wait';

const H = 3_600_000;
const SECRET = 'em-cb-secret-by-hand';
const iso = (at: number) => new Date(at).toISOString();

/** The built CLI beside the service (it finds the admin API in DATA_DIR/admin.json). */
async function imgw(dataDir: string, argv: string[]): Promise<{ code: number; lines: Record<string, unknown>[]; stderr: string }> {
  const run = await runCliProcess(argv, { DATA_DIR: dataDir });
  return { code: run.code, lines: run.lines(), stderr: run.stderr };
}

/**
 * The built service as its own process, with the Easemob history stand-in: an operator reads hours the
 * gateway never received (before its first start) with `imgw backfill --vendor easemob`. Needs
 * `npm run build` (as `npm test` does first).
 */
describe('Easemob window asked for by hand, end to end (built service and CLI)', () => {
  let dataDir: string;
  let standin: EasemobHistoryStandin;
  let service: ServiceProcess | undefined;
  /** The stand-in's clock: real time, except while messages are put "in the past". */
  let sentAt: number | undefined;

  const archived = () => readJsonl(join(dataDir, 'events.jsonl')) as { id: string; messageid: string; backfill?: string }[];
  const admin = async (path: string) => {
    const { url, token } = JSON.parse(readFileSync(join(dataDir, 'admin.json'), 'utf8')) as { url: string; token: string };
    return (await (await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { items: Record<string, unknown>[] };
  };
  /** One series of the service's /metrics, by name and labels (in any order). */
  const metric = async (name: string, labels: Record<string, string>) => {
    const text = await (await fetch(`http://127.0.0.1:${service!.port}/metrics`)).text();
    const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
    for (const line of text.split('\n')) {
      const series = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
      if (series?.[1] === name && wanted.every((pair) => series[2]!.split(',').includes(pair))) return Number(series[3]);
    }
    return undefined;
  };
  /** Runs a test body; a failure carries the end of what the gateway logged. */
  const withGatewayOutput = (body: () => Promise<void>) => async () => {
    try {
      await body();
    } catch (error) {
      throw new Error(`${(error as Error).message}\ngateway output:\n${service?.output().slice(-4000) ?? '(not started)'}`, { cause: error });
    }
  };
  const callback = (message: StoredMessage) =>
    fetch(`http://127.0.0.1:${service!.port}/easemob/callback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(standin.callbackOf(message, SECRET)) }).then((res) => res.status);
  const sendAt = (at: number, ...args: Parameters<EasemobHistoryStandin['send']>) => {
    sentAt = at;
    const message = standin.send(...args);
    sentAt = undefined;
    return message;
  };

  beforeEach(async () => {
    dataDir = tempDataDir();
    standin = await startEasemobHistoryStandin({ clock: () => sentAt ?? Date.now() });
  });
  afterEach(async () => {
    await service?.stop();
    service = undefined;
    await standin.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('When an operator reads hours from before the first start, then the dry run changes nothing, each missed message reaches the file sink once, ones already stored are duplicates, and both are audited', withGatewayOutput(async () => {
    // Two hours ending more than BACKFILL_EASEMOB_DELAY (70 min) ago, so their files are stored.
    const first = Math.floor(Date.now() / H) * H - 4 * H;
    const missed = [
      sendAt(first + 10 * 60_000, 'chat', 'alice', 'bob', 'before the first start 1'),
      sendAt(first + 20 * 60_000, 'groupchat', 'carol', '226843215495169', 'before the first start 2'),
      sendAt(first + H + 5 * 60_000, 'chatroom', 'dora', '185145305923585', 'before the first start 3'),
    ];
    const hadCallback = sendAt(first + H + 10 * 60_000, 'chat', 'bob', 'alice', 'its callback came late');
    const afterWindow = sendAt(first + H + 50 * 60_000, 'chat', 'erin', 'bob', 'in the hour file but after the window');
    const window = ['--since', iso(first), '--until', iso(first + H + 40 * 60_000)];
    service = await launchService({
      PORT: '0', DATA_DIR: dataDir, GAP_ALIVE_INTERVAL: '50ms', EASEMOB_CALLBACK_SECRETS: SECRET, EASEMOB_APPKEY: standin.appKey,
      BACKFILL_EASEMOB_URL: standin.url, BACKFILL_EASEMOB_CLIENT_ID: standin.clientId, BACKFILL_EASEMOB_CLIENT_SECRET: standin.clientSecret,
      // One call a minute after a burst of nine: the six reads of this test go at once.
      BACKFILL_EASEMOB_RATE: '1',
    }, { signed: false });
    expect(await callback(hadCallback)).toBe(200);
    await until(() => archived().length === 1, { what: 'the late callback in the file sink' });

    const dry = await imgw(dataDir, ['backfill', '--vendor', 'easemob', ...window, '--dry-run']);

    expect({ code: dry.code, stderr: dry.stderr }).toEqual({ code: 0, stderr: '' });
    // The two hour files are read and counted: the window's three messages the spool does not have
    // (not the one whose callback came, nor the one after the window); nothing is recorded or stored.
    expect(dry.lines).toEqual([{ dryRun: true, count: 3, fromAt: iso(first), untilAt: iso(first + H + 40 * 60_000) }]);
    expect((await admin('/gaps?kind=window')).items).toEqual([]);
    expect(standin.counts.chatmessages).toBe(2);
    expect(archived()).toHaveLength(1);

    const run = await imgw(dataDir, ['backfill', '--vendor', 'easemob', ...window, '--yes']);

    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(run.lines).toEqual([expect.objectContaining({ kind: 'window', vendor: 'easemob', state: 'open', fromAt: iso(first) })]);
    await until(async () => (await admin('/gaps?kind=window')).items[0]?.state === 'filled', { what: 'the window read and settled', timeoutMs: 20_000 });
    // Stored is not yet delivered: the file sink gets backfilled events in gathered batches.
    await until(() => archived().length === 4, { what: "the window's three messages in the file sink" });
    const events = archived();
    expect(events.map((e) => e.messageid).sort()).toEqual([hadCallback, ...missed].map((m) => m.msg_id).sort());
    expect(new Set(events.map((e) => e.id)).size).toBe(4);
    expect(events.filter((e) => e.backfill === 'easemob/chatmessages').map((e) => e.messageid).sort()).toEqual(missed.map((m) => m.msg_id).sort());
    expect(events.some((e) => e.messageid === afterWindow.msg_id)).toBe(false);
    // The dry run's two, the count `--yes` shows before it records (two), and the window's read.
    expect(standin.counts.chatmessages).toBe(6);
    const api = { vendor: 'easemob', api: 'easemob/chatmessages' };
    expect(await metric('imgw_backfilled_messages_total', { ...api, outcome: 'accepted' })).toBe(3);
    expect(await metric('imgw_backfilled_messages_total', { ...api, outcome: 'duplicate' })).toBe(1);

    expect(await callback(missed[0]!)).toBe(200);
    await until(async () => (await metric('imgw_callbacks_total', { vendor: 'easemob', command: 'chat', outcome: 'duplicate' })) === 1, { what: 'the late callback counted as a duplicate' });
    expect(archived()).toHaveLength(4);
    const audit = await imgw(dataDir, ['audit', '--limit', '5']);
    // Newest first: the window recorded, the count `--yes` asks for before it, the operator's dry run.
    expect(audit.lines.filter((row) => row.action === 'backfill.window').map((row) => [row.actor, row.dryRun, row.target])).toEqual(
      [false, true, true].map((dryRun) => ['local', dryRun, { vendor: 'easemob', fromAt: first, untilAt: first + H + 40 * 60_000 }]),
    );
  }), 60_000);
});
