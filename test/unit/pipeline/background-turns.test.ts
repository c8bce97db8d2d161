import { createBackgroundTurns } from '../../../src/pipeline/background-turns';
import { nextTurn, turnCounter } from '../../helpers/wait';

describe('background turns', () => {
  test('When several background tasks wait at once, then each goes on in a turn of its own (each turn polls for I/O first), in the order they asked', async () => {
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

  test('When background tasks wait, then work queued meanwhile by other code gets in between two of them', async () => {
    const turns = createBackgroundTurns();
    const order: string[] = [];
    const first = turns.next().then(() => {
      order.push('first');
      // Queued by other code in the first waiter's turn: a gate that let every waiter go at once would run all of them first.
      void nextTurn().then(() => order.push('other'));
    });
    const later = Array.from({ length: 3 }, (_, i) => turns.next().then(() => void order.push(`later-${i + 1}`)));
    await Promise.all([first, ...later]);

    expect(order).toEqual(['first', 'later-1', 'other', 'later-2', 'later-3']);
  });

  test('When a task waits after the others were let go, then it is let go too', async () => {
    const turns = createBackgroundTurns();
    await Promise.all([turns.next(), turns.next()]);
    let went = false;
    await turns.next().then(() => (went = true));
    expect(went).toBe(true);
  });
});
