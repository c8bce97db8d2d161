import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Event } from '../../../../src/events/event';
import { openSpool } from '../../../../src/pipeline/spool';
import type { RunningService } from '../../../../src/service';
import { neutralMessageEvent, relayedEventIds, startEasemobStandin, type EasemobStandin } from '../../../helpers/easemob-standin';
import { launchService, type ServiceProcess } from '../../../helpers/process';
import { startTestService, tempDataDir } from '../../../helpers/service';
import { holdsWithin, until } from '../../../helpers/wait';

/** Events already accepted by the gateway: committed to the spool for the `easemob` sink. */
async function seedSpool(dataDir: string, events: readonly Event[]): Promise<void> {
  const spool = openSpool({ path: join(dataDir, 'spool.db'), sinks: ['easemob'] });
  await Promise.all(events.map((event) => spool.append(event, Date.now())));
  spool.close();
}

const relayEnv = { RELAY_KEY: 'relay-test-key-0123456789abcdef0123456789ab' };

describe('easemob relay through the spool and the dispatcher', () => {
  let standin: EasemobStandin;
  let dataDir: string;
  const relaySink = (settings: Record<string, unknown> = {}) => ({
    type: 'easemob',
    name: 'easemob',
    baseUrl: standin.url,
    appKey: standin.appKey,
    clientId: standin.clientId,
    clientSecret: standin.clientSecret,
    targets: { users: { mode: 'same' } },
    retryInitialMs: 10,
    retryMaxMs: 100,
    ...settings,
  });

  beforeEach(async () => {
    standin = await startEasemobStandin();
    dataDir = tempDataDir();
  });
  afterEach(async () => {
    await standin.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('When single-event batches meet the quota, then the relay paces itself at it and the circuit never opens', async () => {
    const events = Array.from({ length: 20 }, () => neutralMessageEvent());
    await seedSpool(dataDir, events);
    const started = Date.now();
    const service = await startTestService(
      dataDir,
      { sinks: [relaySink({ quotas: { users: { callsPerSecond: 5 } }, batchSize: 1, circuitBreaker: { failureThreshold: 1, openMs: 600_000 } })] },
      undefined,
      relayEnv,
    );
    try {
      await until(() => standin.accepted.length === 20, 20_000);
      const seconds = (Date.now() - started) / 1000;
      const readyz = (await (await fetch(`http://127.0.0.1:${service.port}/readyz`)).json()) as { status: string };

      expect(new Set(relayedEventIds(standin))).toEqual(new Set(events.map((e) => e.attributes.id)));
      expect(standin.sendRequests().every((r) => r.status === 200)).toBe(true);
      expect(readyz.status).toBe('ready');
      expect(seconds).toBeGreaterThan(2);
    } finally {
      await service.stop();
    }
  });

  test('When the service stops in the middle of a relay and starts again, then every message is sent exactly once', async () => {
    const events = Array.from({ length: 30 }, () => neutralMessageEvent());
    await seedSpool(dataDir, events);
    const file = { sinks: [relaySink({ quotas: { users: { callsPerSecond: 10 } }, batchSize: 4 })] };

    let service: RunningService = await startTestService(dataDir, file, undefined, relayEnv);
    await until(() => standin.accepted.length >= 8);
    await service.stop();
    const beforeRestart = standin.accepted.length;
    service = await startTestService(dataDir, file, undefined, relayEnv);
    try {
      await until(() => new Set(relayedEventIds(standin)).size === 30, 20_000);

      expect(beforeRestart).toBeLessThan(30);
      expect(relayedEventIds(standin).sort()).toEqual(events.map((e) => e.attributes.id).sort());
    } finally {
      await service.stop();
    }
  });

  test('When the process is killed in the middle of a relay and started again, then nothing is lost and at most the one send in flight is repeated', async () => {
    const events = Array.from({ length: 40 }, () => neutralMessageEvent());
    await seedSpool(dataDir, events);
    const configFile = join(dataDir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ sinks: [relaySink({ quotas: { users: { callsPerSecond: 10 } }, batchSize: 4 })] }));
    const env = { PORT: '0', DATA_DIR: dataDir, CONFIG_FILE: configFile, ...relayEnv };

    let gateway: ServiceProcess | undefined;
    try {
      gateway = await launchService(env, { signed: false });
      await until(() => standin.accepted.length >= 10, 25_000);
      await gateway.stop('SIGKILL');
      const beforeRestart = standin.accepted.length;
      gateway = await launchService(env, { signed: false });
      await until(() => new Set(relayedEventIds(standin)).size === 40, 25_000);
      const ids = relayedEventIds(standin);

      expect(beforeRestart).toBeLessThan(40);
      expect(new Set(ids)).toEqual(new Set(events.map((e) => e.attributes.id)));
      expect(ids.length - 40).toBeLessThanOrEqual(1);
    } catch (error) {
      throw new Error(`${(error as Error).message}; sent ${standin.accepted.length}; gateway output:\n${gateway?.output().slice(-2000) ?? ''}`, { cause: error });
    } finally {
      await gateway?.stop();
    }
  }, 90_000);

  /** How often each (event, endpoint) step was accepted by the stand-in. */
  const acceptedPerStep = () => {
    const counts = new Map<string, number>();
    for (const send of standin.accepted) {
      const key = `${(send.request.ext as { imgw_relay: { eventId: string } }).imgw_relay.eventId} ${send.endpoint}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  };

  test('When Easemob takes every send but no answer comes, then each send is made at most twice and the relay then moves on: 40 sends, at most 80 calls', async () => {
    const events = Array.from({ length: 20 }, (_, i) => neutralMessageEvent({ to: `user${i % 5}` }));
    await seedSpool(dataDir, events);
    standin.hold();
    const service = await startTestService(dataDir, { sinks: [relaySink({ requestTimeoutMs: 200, circuitBreaker: { failureThreshold: 0 }, targets: { users: { mode: 'same' }, chatrooms: ['moderation'] } })] }, undefined, relayEnv);
    const pending = async () => (await (await fetch(`http://127.0.0.1:${service.port}/metrics`)).text()).match(/^imgw_spool_pending_events\{sink="easemob"\} (\d+)$/m)?.[1];
    try {
      await until(async () => (await pending()) === '0', 45_000);
      const perStep = acceptedPerStep();

      expect(perStep.size).toBe(40);
      expect(Math.max(...perStep.values())).toBeLessThanOrEqual(2);
      expect(standin.sendRequests().length).toBeLessThanOrEqual(80);
    } finally {
      standin.release();
      await service.stop();
    }
  }, 60_000);

  test('When the process is killed 10 times with sends of 8 conversations in flight, then nothing is lost and each crash repeats at most the calls then in flight (8)', async () => {
    const events = Array.from({ length: 40 }, (_, i) => neutralMessageEvent({ to: `user${i % 10}` }));
    await seedSpool(dataDir, events);
    const configFile = join(dataDir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ sinks: [relaySink({ requestTimeoutMs: 60_000, parallelSends: 8 })] }));
    const env = { PORT: '0', DATA_DIR: dataDir, CONFIG_FILE: configFile, ...relayEnv };

    let gateway: ServiceProcess | undefined;
    const inFlightAtKill: number[] = [];
    try {
      for (let kill = 0; kill < 10; kill++) {
        standin.hold();
        gateway = await launchService(env, { signed: false });
        await holdsWithin(() => standin.held() >= 8, 10_000);
        inFlightAtKill.push(standin.held());
        await gateway.stop('SIGKILL');
        standin.release();
      }
      gateway = await launchService(env, { signed: false });
      await until(() => new Set(relayedEventIds(standin)).size === 40, 30_000);
      const duplicates = standin.accepted.length - 40;

      expect(new Set(relayedEventIds(standin))).toEqual(new Set(events.map((e) => e.attributes.id)));
      expect(Math.max(...inFlightAtKill)).toBeLessThanOrEqual(8);
      expect(duplicates).toBeLessThanOrEqual(inFlightAtKill.reduce((a, b) => a + b, 0));
      console.log(`kill -9 x10, parallelSends 8: in flight at each kill ${inFlightAtKill.join(',')}; ${standin.accepted.length} sends accepted for 40 messages, ${duplicates} duplicates`);
    } catch (error) {
      throw new Error(`${(error as Error).message}; sent ${standin.accepted.length}; gateway output:\n${gateway?.output().slice(-2000) ?? ''}`, { cause: error });
    } finally {
      standin.release();
      await gateway?.stop();
    }
  }, 180_000);
});
