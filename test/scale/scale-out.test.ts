import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNatsCluster, startNginx, until, type NatsCluster, type Nginx } from '../../bench/lib/cluster';
import { loadFixture } from '../helpers/fixtures';
import { launchService, type ServiceProcess } from '../helpers/process';
import { StreamReader } from './jetstream';
import { send, SignedLoad } from './load';

/**
 * Scale-out on real distributed parts: three gateway processes (dist/main.js) behind nginx, writing to
 * a three-node NATS JetStream cluster with a stream replicated on all three. Processes are killed
 * with SIGKILL under signed load; every callback answered OK must be in the stream exactly once.
 */
const sample = loadFixture('c2c-after-send-official');
const STEP = 150; // OK answers that prove the system keeps answering after each fault

let root: string;
let nats: NatsCluster;
let reader: StreamReader;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'imgw-scale-'));
});

// Each test gets a whole cluster: the first one kills a node, and a new R3 stream needs three.
beforeEach(async () => {
  const cluster = await startNatsCluster(mkdtempSync(join(root, 'nats-')));
  nats = cluster;
  cleanups.push(() => cluster.stop());
  const opened = await StreamReader.open(cluster.urls);
  reader = opened;
  cleanups.push(() => opened.close());
}, 60_000);

afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

interface Gateway {
  port: number;
  dataDir: string;
  env: Record<string, string>;
  process: ServiceProcess;
}

async function startGateways(mode: 'direct' | 'spool', subject: string): Promise<Gateway[]> {
  const gateways: Gateway[] = [];
  for (let i = 0; i < 3; i++) {
    const dataDir = mkdtempSync(join(root, `${mode}-gw${i}-`));
    const config = join(dataDir, 'sinks.json');
    const sink = {
      type: 'nats',
      servers: nats.urls,
      subject: `${subject}.{vendor}.{command}`,
      timeoutMs: 2000,
      retryInitialMs: 100,
      retryMaxMs: 1000,
      // A stream leader election takes a few seconds: keep trying instead of pausing for the open time.
      circuitBreaker: { failureThreshold: 0 },
    };
    writeFileSync(config, JSON.stringify({ sinks: [sink] }));
    // The gateway picks its own port; a restart asks for the same one (nginx knows it).
    const env = { PORT: '0', DATA_DIR: dataDir, CONFIG_FILE: config, ACK_MODE: mode, LOG_LEVEL: 'info' };
    const process = await launchService(env);
    const gateway: Gateway = { port: process.port, dataDir, env: { ...env, PORT: String(process.port) }, process };
    gateways.push(gateway);
    cleanups.push(() => gateway.process.stop());
  }
  return gateways;
}

async function balance(gateways: Gateway[], name: string): Promise<Nginx> {
  const nginx = await startNginx(join(root, name), gateways.map((g) => g.port));
  cleanups.push(() => nginx.stop());
  return nginx;
}

/** Waits until `load` has `more` OK answers beyond what it had when called. */
async function keepsAnswering(load: SignedLoad, more: number, what: string): Promise<void> {
  const from = load.okCount;
  await until(() => load.okCount >= from + more, 60_000, `${more} more OK answers ${what} (have ${load.okCount - from}; answers ${JSON.stringify(load.tally())})`);
}

/** How often each acknowledged MsgKey is in the stream, and which keys are not. */
async function audit(stream: string, acked: Map<string, string>) {
  const events = await reader.all(stream);
  const byKey = new Map<string, number>();
  for (const event of events) byKey.set(String(event.msgkey), (byKey.get(String(event.msgkey)) ?? 0) + 1);
  const ids = new Set(events.map((event) => event.id));
  return {
    messages: events.length,
    distinctIds: ids.size,
    missing: [...acked.keys()].filter((key) => !byKey.has(key)),
    doubled: [...byKey].filter(([, n]) => n > 1).map(([key]) => key),
  };
}

describe('scale-out: three gateways behind nginx on a three-node JetStream cluster', () => {
  test('When one direct-mode gateway and then the stream leader are killed under load, then the others keep answering and every OK is in the stream exactly once', async () => {
    await reader.create('IMDIRECT', ['direct.>']);
    const gateways = await startGateways('direct', 'direct');
    const nginx = await balance(gateways, 'nginx-direct');
    const load = new SignedLoad(nginx.port, sample, `direct${Date.now()}`, 8);
    cleanups.push(() => load.stop());

    await keepsAnswering(load, STEP, 'before any fault');
    await gateways[0]!.process.stop('SIGKILL');
    await keepsAnswering(load, STEP, 'after a gateway was killed');
    const leader = await reader.leader('IMDIRECT');
    const leaderIndex = nats.nodes.findIndex((n) => n.name === leader);
    expect(leaderIndex).toBeGreaterThanOrEqual(0);
    await nats.kill(leaderIndex);
    await keepsAnswering(load, STEP, `after the stream leader ${leader} was killed`);
    await load.stop();

    // A vendor resends some callbacks: another gateway publishes them again; the stream drops the copies.
    const resent = [...load.acked.keys()].slice(0, 50);
    const agent = new Agent({ keepAlive: true });
    const replies = await Promise.all(resent.map((key) => send(agent, nginx.port, sample, key)));
    agent.destroy();

    // The JetStream API answers again once the meta and stream leaders are re-elected.
    let result: Awaited<ReturnType<typeof audit>> | undefined;
    await until(async () => (result = await audit('IMDIRECT', load.acked)), 60_000, 'the stream to be readable after the node failure');
    if (!result) throw new Error('unreachable');
    console.log(
      `direct mode: ${load.okCount} OK at ${load.rate().toFixed(0)}/s through nginx, answers ${JSON.stringify(load.tally())}; ` +
        `killed gateway 0 and NATS ${leader}; ${replies.filter((r) => r.ok).length}/50 resends OK; stream holds ${result.messages} messages, ${result.distinctIds} ids`,
    );
    expect(replies.every((r) => r.ok)).toBe(true);
    expect(result.missing).toEqual([]);
    expect(result.doubled).toEqual([]);
    expect(result.messages).toBe(result.distinctIds);
  }, 120_000);

  test('When a spool-mode gateway is killed under load and restarted, then everything it acknowledged is delivered to the stream exactly once', async () => {
    await reader.create('IMSPOOL', ['spool.>']);
    const gateways = await startGateways('spool', 'spool');
    const nginx = await balance(gateways, 'nginx-spool');
    const load = new SignedLoad(nginx.port, sample, `spool${Date.now()}`, 8);
    cleanups.push(() => load.stop());

    await keepsAnswering(load, STEP, 'before any fault');
    const victim = gateways[1]!;
    await victim.process.stop('SIGKILL');
    const ackedByVictim = [...load.acked].filter(([, upstream]) => upstream.endsWith(`:${victim.port}`)).map(([key]) => key);
    await keepsAnswering(load, STEP, 'after a gateway was killed');
    victim.process = await launchService(victim.env);
    await keepsAnswering(load, STEP, 'after the gateway restarted');
    await load.stop();

    // Delivery from the restarted gateway's spool continues after the load stops: wait until it is done.
    let result = { messages: 0, distinctIds: 0, missing: [...load.acked.keys()], doubled: [] as string[] };
    await until(
      async () => (await reader.count('IMSPOOL')) >= load.okCount && (result = await audit('IMSPOOL', load.acked)).missing.length === 0,
      60_000,
      'every acknowledged callback in the stream',
    ).catch(() => undefined); // the expectations below name what is missing
    console.log(
      `spool mode: ${load.okCount} OK at ${load.rate().toFixed(0)}/s through nginx (${ackedByVictim.length} by the gateway before it was killed), answers ${JSON.stringify(load.tally())}; ` +
        `stream holds ${result.messages} messages, ${result.distinctIds} ids`,
    );
    expect(ackedByVictim.length).toBeGreaterThan(0);
    expect(result.missing).toEqual([]);
    expect(result.doubled).toEqual([]);
    expect(result.messages).toBe(result.distinctIds);
  }, 120_000);
});
