import { connect, createServer, type Server, type Socket } from 'node:net';
import { createClientLimit, forwardedClient } from '../../../src/http/client-limit';
import { until } from '../../helpers/wait';

describe('per-client connection limit', () => {
  let server: Server;
  let port: number;
  let limit: ReturnType<typeof createClientLimit>;
  const sockets: Socket[] = [];
  const open = (localAddress: string) =>
    new Promise<Socket>((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1', localAddress }, () => resolve(socket));
      socket.on('error', reject);
      sockets.push(socket);
    });
  const closed = (socket: Socket) => new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));

  beforeEach(async () => {
    limit = createClientLimit({ max: 3, trustedProxies: ['127.0.0.9'] });
    server = createServer((socket) => socket.on('error', () => undefined));
    server.on('connection', (socket) => limit.admit(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  test('When one address opens more than the limit, then its extra connections are closed and another address still connects', async () => {
    const flood = await Promise.all(Array.from({ length: 5 }, () => open('127.0.0.1')));
    const other = await open('127.0.0.2');
    await Promise.all(flood.slice(3).map(closed));
    await until(() => limit.connectionsOf('127.0.0.2') === 1);

    expect(flood.slice(0, 3).every((s) => !s.destroyed)).toBe(true);
    expect(limit.connectionsOf('127.0.0.1')).toBe(3);
    expect(limit.connectionsOf('127.0.0.2')).toBe(1);
    expect(other.destroyed).toBe(false);
  });

  test('When connections close, then their slots are free again', async () => {
    const first = await Promise.all(Array.from({ length: 3 }, () => open('127.0.0.1')));
    await until(() => limit.connectionsOf('127.0.0.1') === 3);
    first.forEach((s) => s.destroy());
    await until(() => limit.connectionsOf('127.0.0.1') === 0);
    const again = await Promise.all(Array.from({ length: 3 }, () => open('127.0.0.1')));
    await until(() => limit.connectionsOf('127.0.0.1') === 3);

    expect(again.every((s) => !s.destroyed)).toBe(true);
  });

  test('When a trusted proxy connects many times, then it is not limited, and its forwarded clients are limited per address', async () => {
    const proxy = await Promise.all(Array.from({ length: 6 }, () => open('127.0.0.9')));
    const slots = Array.from({ length: 4 }, () => limit.enter('127.0.0.9', '203.0.113.7'));
    const otherClient = limit.enter('127.0.0.9', '198.51.100.1, 127.0.0.9');
    const untrusted = limit.enter('127.0.0.1', '203.0.113.7');

    expect(proxy.every((s) => !s.destroyed)).toBe(true);
    expect(slots.slice(0, 3).every((slot) => typeof slot === 'function')).toBe(true);
    expect(slots[3]).toBe('refused');
    expect(typeof otherClient).toBe('function');
    expect(typeof untrusted).toBe('function');
    (slots[0] as () => void)();
    expect(typeof limit.enter('127.0.0.9', '203.0.113.7')).toBe('function');
  });
});

describe('forwardedClient', () => {
  const trusted = (address: string) => address.startsWith('10.');

  test.each([
    ['203.0.113.7', '203.0.113.7'],
    ['203.0.113.7, 10.0.0.2', '203.0.113.7'],
    ['6.6.6.6, 203.0.113.7, 10.0.0.2, 10.0.0.3', '203.0.113.7'],
    ['not-an-ip, 10.0.0.2', undefined],
    ['::ffff:198.51.100.4', '198.51.100.4'],
  ])('When X-Forwarded-For is %s, then the client is %s (the rightmost untrusted hop; earlier hops can be forged)', (header, expected) => {
    expect(forwardedClient(header, trusted)).toBe(expected);
  });
});
