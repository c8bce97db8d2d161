import { rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { loadFixture } from '../helpers/fixtures';
import { launchService, postCallback, type ServiceProcess } from '../helpers/process';
import { tempDataDir } from '../helpers/service';
import { holdsWithin } from '../helpers/wait';

const sample = loadFixture('c2c-after-send-official');

/** Opens `count` sockets from 127.0.0.1 (in waves of 100) and keeps the ones the server leaves open. */
async function flood(port: number, count: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let i = 0; i < count; i += 100) {
    const wave = Array.from(
      { length: Math.min(100, count - i) },
      () =>
        new Promise<void>((resolve) => {
          const socket = connect({ port, host: '127.0.0.1', localAddress: '127.0.0.1' }, () => resolve());
          socket.on('error', () => resolve());
          socket.on('close', () => resolve());
          sockets.push(socket);
        }),
    );
    await Promise.all(wave);
  }
  return sockets;
}

async function normalCallbacks(port: number, count: number, tag: string): Promise<{ statuses: number[]; ms: number[] }> {
  const statuses: number[] = [];
  const ms: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const result = await postCallback(port, sample, { ...sample.body, MsgKey: `${tag}_${i}` }, true, '127.0.0.2').catch(() => ({ status: 0 }));
    statuses.push(result.status);
    ms.push(performance.now() - started);
  }
  return { statuses, ms: ms.sort((a, b) => a - b) };
}

describe('fault: one client flooding connections', () => {
  const started: { service: ServiceProcess; dataDir: string; sockets: Socket[] }[] = [];
  afterEach(async () => {
    for (const { service, dataDir, sockets } of started.splice(0)) {
      sockets.forEach((s) => s.destroy());
      service.child.kill('SIGTERM');
      await service.exited();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  async function run(perClient: string) {
    const dataDir = tempDataDir();
    const service = await launchService({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, MAX_CONNECTIONS: '600', MAX_CONNECTIONS_PER_CLIENT: perClient });
    const entry = { service, dataDir, sockets: [] as Socket[] };
    started.push(entry);
    entry.sockets = await flood(service.port, 800);
    const open = () => entry.sockets.filter((s) => !s.destroyed).length;
    // The server closes the extra sockets right after accepting them; wait until those closes arrived.
    const limit = Number(perClient);
    if (limit > 0) await holdsWithin(() => open() <= limit, 5000);
    const held = open();
    const normal = await normalCallbacks(service.port, 20, `fair_${perClient}`);
    return { held, ...normal };
  }

  test('When one address opens 800 sockets against 600 slots, then it holds only its share and another sender is answered throughout', async () => {
    const { held, statuses, ms } = await run('100');
    process.stdout.write(`flood of 800 sockets from one address: ${held} held open; 20 callbacks from another address: p50 ${ms[10]?.toFixed(1)} ms, max ${ms[19]?.toFixed(1)} ms\n`);

    expect(held).toBeLessThanOrEqual(100);
    expect(statuses).toEqual(Array(20).fill(200));
  });

  test('When the per-client limit is off (control), then the same flood takes every slot and the other sender is refused', async () => {
    const { held, statuses } = await run('0');

    expect(held).toBeGreaterThanOrEqual(590);
    expect(statuses.filter((status) => status === 200).length).toBeLessThan(20);
  });
});
