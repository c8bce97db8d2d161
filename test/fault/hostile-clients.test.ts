import { rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { loadFixture } from '../helpers/fixtures';
import { launchService, postCallback, processUsage, type ServiceProcess } from '../helpers/process';
import { tempDataDir } from '../helpers/service';
import { callbackPath } from '../helpers/tencent';
import { holdsWithin } from '../helpers/wait';

const sample = loadFixture('c2c-after-send-official');

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
}
const closedWithin = (socket: Socket, ms: number) => {
  let closed = socket.destroyed;
  socket.once('close', () => (closed = true));
  return holdsWithin(() => closed, ms);
};
/** Sends raw bytes and resolves with what the server answered before closing (or after `ms`). */
function raw(port: number, data: string | Buffer, ms = 3000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(text));
    socket.setTimeout(ms, () => socket.destroy());
    socket.write(data);
  });
}

describe('fault: hostile clients', () => {
  let service: ServiceProcess;
  let dataDir: string;
  let counter = 0;
  beforeAll(async () => {
    dataDir = tempDataDir();
    service = await launchService({ PORT: '0', DATA_DIR: dataDir, HTTP_HEADERS_TIMEOUT: '2s', HTTP_REQUEST_TIMEOUT: '3s', MAX_CONNECTIONS: '5000', MAX_CONNECTIONS_PER_CLIENT: '5000' });
  });
  afterAll(async () => {
    service.child.kill('SIGTERM');
    await service.exited();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function normalLatencies(count: number): Promise<number[]> {
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      const { status } = await postCallback(service.port, sample, { ...sample.body, MsgKey: `normal_${++counter}` });
      expect(status).toBe(200);
      times.push(performance.now() - started);
    }
    return times.sort((a, b) => a - b);
  }

  test('When 200 slowloris clients trickle headers and bodies, then the server cuts them after its timeouts and keeps answering others', async () => {
    const before = processUsage(service.child.pid!);
    const path = callbackPath(sample.query, { requestTime: Math.floor(Date.now() / 1000) });
    const slowHeaders = await Promise.all(Array.from({ length: 100 }, () => open(service.port)));
    const slowBodies = await Promise.all(Array.from({ length: 100 }, () => open(service.port)));
    slowHeaders.forEach((s) => s.write(`POST ${path} HTTP/1.1\r\nHost: x\r\n`));
    slowBodies.forEach((s) => s.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{`));
    // A slow client's pace (one header line or body byte every 300 ms) is what this test sends, not a wait.
    // eslint-disable-next-line no-restricted-syntax
    const drip = setInterval(() => {
      for (const s of slowHeaders) if (!s.destroyed) s.write('X-Slow: 1\r\n');
      for (const s of slowBodies) if (!s.destroyed) s.write(' ');
    }, 300);
    slowHeaders.concat(slowBodies).forEach((s) => s.on('error', () => undefined));

    const latencies = await normalLatencies(20);
    const during = processUsage(service.child.pid!);
    const headersCut = await Promise.all(slowHeaders.map((s) => closedWithin(s, 6000)));
    const bodiesCut = await Promise.all(slowBodies.map((s) => closedWithin(s, 6000)));
    clearInterval(drip);
    const after = processUsage(service.child.pid!);

    console.log(
      `slowloris: 100 slow-header and 100 slow-body clients; normal callbacks meanwhile p50 ${latencies[10]!.toFixed(1)} ms, max ${latencies[19]!.toFixed(1)} ms; ` +
        `cut by the server: ${headersCut.filter(Boolean).length}/100 and ${bodiesCut.filter(Boolean).length}/100; ` +
        `rss ${before.rssMiB} → ${during.rssMiB} → ${after.rssMiB} MiB, fds ${before.fds} → ${during.fds} → ${after.fds}`,
    );
    expect(headersCut.every(Boolean)).toBe(true);
    expect(bodiesCut.every(Boolean)).toBe(true);
    expect(after.fds).toBeLessThan(before.fds + 20);
  }, 60_000);

  test('When bodies far over the limit and broken chunked encodings arrive, then each gets a refusal and the service keeps answering', async () => {
    const before = processUsage(service.child.pid!);
    const path = callbackPath(sample.query, { requestTime: Math.floor(Date.now() / 1000) });
    const huge = Buffer.alloc(8 * 1024 * 1024, 0x20);
    const oversized = await Promise.all(
      Array.from({ length: 5 }, () => raw(service.port, Buffer.concat([Buffer.from(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${huge.length}\r\n\r\n`), huge]))),
    );
    const chunked = await Promise.all([
      raw(service.port, `POST ${path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nhello\r\n0\r\n\r\n`),
      raw(service.port, `POST ${path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n5\r\nhello\r\n0\r\n\r\n`),
      raw(service.port, `POST ${path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFF\r\n`),
    ]);
    const latencies = await normalLatencies(5);
    const after = processUsage(service.child.pid!);

    console.log(
      `oversized and malformed: 5 × 8 MiB bodies → ${oversized.map((r) => r.split('\r\n')[0]).join(', ')}; ` +
        `broken chunked → ${chunked.map((r) => r.split('\r\n')[0] || '(closed)').join(', ')}; rss ${before.rssMiB} → ${after.rssMiB} MiB; next callbacks p50 ${latencies[2]!.toFixed(1)} ms`,
    );
    expect(oversized.every((r) => r.startsWith('HTTP/1.1 413'))).toBe(true);
    expect(chunked.every((r) => r.startsWith('HTTP/1.1 400') || r === '')).toBe(true);
    expect(after.rssMiB - before.rssMiB).toBeLessThan(100);
  }, 60_000);

  test('When 3,000 keep-alive connections sit idle, then memory and descriptors stay bounded and callbacks are still answered', async () => {
    const before = processUsage(service.child.pid!);
    const sockets: Socket[] = [];
    for (let i = 0; i < 3000; i += 100) {
      const batch = await Promise.all(Array.from({ length: 100 }, () => open(service.port)));
      await Promise.all(
        batch.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.once('data', () => resolve());
              s.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
            }),
        ),
      );
      sockets.push(...batch);
    }
    const idle = processUsage(service.child.pid!);
    const latencies = await normalLatencies(20);
    const stillOpen = sockets.filter((s) => !s.destroyed).length;
    sockets.forEach((s) => s.destroy());
    // The server has closed its ends once its descriptor count is back near where it started.
    await holdsWithin(() => processUsage(service.child.pid!).fds < before.fds + 20, 10_000);
    const after = processUsage(service.child.pid!);

    console.log(
      `idle keep-alive: 3000 connections open (${stillOpen} still open after the checks); rss ${before.rssMiB} → ${idle.rssMiB} MiB (+${(idle.rssMiB - before.rssMiB).toFixed(1)}), ` +
        `fds ${before.fds} → ${idle.fds} → ${after.fds}; callbacks meanwhile p50 ${latencies[10]!.toFixed(1)} ms, max ${latencies[19]!.toFixed(1)} ms`,
    );
    expect(stillOpen).toBe(3000);
    expect(idle.rssMiB - before.rssMiB).toBeLessThan(150);
    expect(after.fds).toBeLessThan(before.fds + 20);
  }, 60_000);
});
