import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { createBackgroundTurns } from '../../../src/pipeline/background-turns';
import { turnCounter } from '../../helpers/wait';

describe('background turns', () => {
  test('When several background tasks wait at once, then each goes on in a turn of its own, in the order they asked', async () => {
    const turns = createBackgroundTurns();
    const counter = turnCounter();
    try {
      const went: { task: number; turn: number }[] = [];
      await Promise.all([1, 2, 3, 4].map((task) => turns.next().then(() => went.push({ task, turn: counter.turns }))));

      expect(went.map((w) => w.task)).toEqual([1, 2, 3, 4]);
      expect(new Set(went.map((w) => w.turn)).size).toBe(4);
    } finally {
      counter.stop();
    }
  });

  test('When background tasks wait, then a request that arrives meanwhile is read before the next of them goes on', async () => {
    const server = createServer();
    const accepted = once(server, 'connection');
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    const [socket] = (await accepted) as [Socket];
    await once(client, 'connect');
    try {
      const turns = createBackgroundTurns();
      const order: string[] = [];
      socket.on('data', () => order.push('request'));
      const first = turns.next().then(() => {
        order.push('first');
        client.write('x');
      });
      const later = Array.from({ length: 5 }, () => turns.next().then(() => void order.push('later')));
      await Promise.all([first, ...later]);
      await new Promise<void>((resolve) => (order.includes('request') ? resolve() : socket.once('data', () => resolve())));

      expect(order).toEqual(['first', 'request', 'later', 'later', 'later', 'later', 'later']);
    } finally {
      client.destroy();
      socket.destroy();
      server.close();
    }
  });

  test('When a task waits after the others were let go, then it is let go too', async () => {
    const turns = createBackgroundTurns();
    await Promise.all([turns.next(), turns.next()]);
    let went = false;
    await turns.next().then(() => (went = true));
    expect(went).toBe(true);
  });
});
