import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { answeredOk, mixedCallback, mixedVendorEnv, postMixed, type MixedVendor } from '../helpers/mixed-load';
import { launchService, readJsonl, type ServiceProcess } from '../helpers/process';
import { freePort } from '../helpers/servers';
import { tempDataDir } from '../helpers/service';
import { until } from '../helpers/wait';
import { startWebhookReceiver, type ReceivedRequest } from '../helpers/webhook-receiver';

const KILLS = 20;
// Small batches keep the bound tight: a sink has at most batchSize × concurrency events in flight.
const BATCH_SIZE = 5;
const CONCURRENCY = 2;
const IN_FLIGHT = BATCH_SIZE * CONCURRENCY;
// The test's guard against a hang: each kill waits for a restart (an integrity check, the de-duplication
// window read back) and 20–60 acknowledgements, which take up to about 15 s on a heavily loaded two-core
// machine (load average 18 measured 154 s for the whole test); every wait inside has its own bound.
const TEST_BUDGET_MS = KILLS * 15_000 + 60_000;
const secret = 'whsec_Y3Jhc2gtbWl4ZWQtdGVzdC1zZWNyZXQtMzItYnl0ZXM=';

/**
 * Deliveries the receiver got between consecutive marks that repeat an event id it had already
 * received (every request counted, none de-duplicated). Entry 0 is before the first kill, entry k
 * after the k-th: a request from the killed process that arrives after its mark counts after it,
 * which moves a first delivery, never a repeat, across a mark.
 */
function repeatsBetween(requests: readonly ReceivedRequest[], marks: readonly number[]): { repeats: number[]; ids: Set<string> } {
  const ids = new Set<string>();
  const repeats = [];
  let start = 0;
  for (const end of marks) {
    let repeated = 0;
    for (const request of requests.slice(start, end).filter((r) => r.verified)) {
      for (const event of JSON.parse(request.body) as { id: string }[]) {
        if (ids.has(event.id)) repeated += 1;
        else ids.add(event.id);
      }
    }
    repeats.push(repeated);
    start = end;
  }
  return { repeats, ids };
}

describe('fault: kill -9 under a mixed load of the three vendors', () => {
  test(`When the service is killed with SIGKILL ${KILLS} times under signed Tencent, NetEase and Easemob load, then nothing answered OK is lost, the file sink holds each once, and a webhook receives again at most the ${IN_FLIGHT} events it had in flight per kill`, async () => {
    const dataDir = tempDataDir();
    const receiver = await startWebhookReceiver(secret);
    const file = join(dataDir, 'events.jsonl');
    const configFile = join(dataDir, 'sinks.json');
    const lane = { batchSize: BATCH_SIZE, concurrency: CONCURRENCY };
    const sinks = [
      { type: 'file', path: file, ...lane },
      { type: 'http', url: receiver.url, secret, timeoutMs: 10_000, ...lane },
    ];
    writeFileSync(configFile, JSON.stringify({ sinks }));
    const port = await freePort();
    const env = { ...mixedVendorEnv, PORT: String(port), DATA_DIR: dataDir, CONFIG_FILE: configFile, LOG_LEVEL: 'info' };
    const outputs: string[] = [];
    let service: ServiceProcess | undefined;
    let up = false;
    let running = true;
    // The port can stay busy for a moment after a kill: try again until a new process listens.
    const launch = async () => {
      await until(async () => (service = await launchService(env)), { timeoutMs: 60_000, what: 'the service started again' });
      up = true;
    };
    const acknowledged = new Map<string, MixedVendor>();
    let sent = 0;
    let failed = 0;
    let counter = 0;
    const poster = async () => {
      while (running) {
        const callback = mixedCallback(++counter);
        sent += 1;
        try {
          const { status, reply } = await postMixed(port, callback);
          if (answeredOk(callback.vendor, status, reply)) acknowledged.set(callback.messageId, callback.vendor);
          else failed += 1;
        } catch {
          failed += 1;
          // Killed under us: post again once the next process listens.
          await until(() => up || !running, 60_000).catch(() => undefined);
        }
      }
    };
    let posters: Promise<void>[] = [];
    try {
      await launch();
      posters = Array.from({ length: 8 }, poster);
      const acknowledgements = (count: number) => until(() => acknowledged.size >= count, { timeoutMs: 30_000, what: `${count} acknowledged callbacks` });
      // Receiver requests before each kill: the boundaries between one process's deliveries and the next's.
      const marks: number[] = [];
      for (let kill = 0; kill < KILLS; kill++) {
        // Each kill comes after a random number (20 to 60) of new acknowledgements, i.e. at a random point of the load.
        await acknowledgements(acknowledged.size + 20 + Math.floor(Math.random() * 40));
        const killed = service!;
        up = false;
        marks.push(receiver.requests.length);
        killed.child.kill('SIGKILL');
        await killed.exited();
        outputs.push(killed.output());
        await launch();
      }
      await acknowledgements(acknowledged.size + 30);
      running = false;
      await Promise.all(posters);

      const fileIds = () => new Set(readJsonl(file).map((event) => event.messageid as string));
      const webhookIds = () => new Set(receiver.requests.filter((r) => r.verified).flatMap((r) => (JSON.parse(r.body) as { messageid: string }[]).map((e) => e.messageid)));
      const lostIn = (ids: Set<string>) => [...acknowledged.keys()].filter((id) => !ids.has(id));
      await until(() => lostIn(fileIds()).length === 0 && lostIn(webhookIds()).length === 0, 30_000).catch(() => undefined);
      marks.push(receiver.requests.length);

      const lines = readJsonl(file);
      const fileDuplicates = lines.length - new Set(lines.map((event) => event.id)).size;
      const { repeats, ids } = repeatsBetween(receiver.requests, marks);
      const afterKills = repeats.slice(1);
      const byVendor = (vendor: MixedVendor) => [...acknowledged.values()].filter((v) => v === vendor).length;
      console.log(
        `mixed crash test: ${KILLS} SIGKILLs; sent ${sent}, answered OK (tencent/netease/easemob) ${acknowledged.size} ` +
          `(${byVendor('tencent')}/${byVendor('netease')}/${byVendor('easemob')}), failed or refused while down ${failed}; ` +
          `file sink lines ${lines.length}, duplicates ${fileDuplicates}, lost ${lostIn(fileIds()).length}; ` +
          `webhook ${receiver.requests.length} requests, ${ids.size} distinct events, lost ${lostIn(webhookIds()).length}, ` +
          `repeats before the first kill ${repeats[0]}, after each kill [${afterKills.join(' ')}] (max ${Math.max(...afterKills)}, bound ${IN_FLIGHT})`,
      );
      for (const vendor of ['tencent', 'netease', 'easemob'] as const) expect({ vendor, acknowledged: byVendor(vendor) > KILLS * 3 }).toEqual({ vendor, acknowledged: true });
      expect(lostIn(fileIds())).toEqual([]);
      expect(fileDuplicates).toBe(0);
      expect(lostIn(webhookIds())).toEqual([]);
      expect(repeats[0]).toBe(0);
      expect(afterKills.filter((count) => count > IN_FLIGHT)).toEqual([]);
    } catch (error) {
      if (service) outputs.push(service.output());
      console.error(`output of the last gateway processes:\n${outputs.slice(-3).join('\n---\n')}`);
      throw error;
    } finally {
      running = false;
      await Promise.all(posters);
      await service?.stop();
      await receiver.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, TEST_BUDGET_MS);
});
