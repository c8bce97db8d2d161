import type { ConversationsWanted } from '../../../src/backfill/round-trips';
import { readConversations, type SeenConversation } from '../../../src/backfill/window-filler';
import { nextTurn, until } from '../../helpers/wait';

const conversationsInFlight = 8;

const user = (a: string): SeenConversation => ({ vendor: 'tencent', app: '1', kind: 'user', a, b: 'z', lastAt: 0 });

/** Pages of conversations as the spool hands them out, noting each time the next page is asked for (which notes the page before as read). */
function paged(sizes: readonly number[]) {
  const asked: number[] = [];
  const pages = (async function* () {
    for (const [p, size] of sizes.entries()) {
      asked.push(p);
      yield Array.from({ length: size }, (_, i) => user(`p${p}c${i}`));
    }
    asked.push(sizes.length);
  })();
  return { pages, asked };
}

/** A read that waits until the test finishes (or fails) the conversation it was given. */
function heldReads() {
  const started: string[] = [];
  const finish = new Map<string, (error?: Error) => void>();
  const inFlight = new Set<string>();
  let most = 0;
  const signals = new Map<string, AbortSignal>();
  const read = (conversation: SeenConversation, signal: AbortSignal): Promise<void> => {
    started.push(conversation.a);
    signals.set(conversation.a, signal);
    inFlight.add(conversation.a);
    most = Math.max(most, inFlight.size);
    return new Promise<void>((resolve, reject) => finish.set(conversation.a, (error) => {
      inFlight.delete(conversation.a);
      if (error) reject(error);
      else resolve();
    }));
  };
  const done = (a: string, error?: Error): void => (finish.get(a) as (error?: Error) => void)(error);
  return { read, started, inFlight, done, signals, most: () => most };
}

/** Whether `promise` has settled once the event loop has turned a few times. */
const settledYet = async (promise: Promise<unknown>): Promise<boolean> => {
  let settled = false;
  promise.then(() => (settled = true), () => (settled = true));
  for (let i = 0; i < 5; i += 1) await nextTurn();
  return settled;
};

describe('readConversations', () => {
  test('When a page holds more conversations than may be in flight, then that many are read at once and no more, and the next page is asked for only once every one of the page is read', async () => {
    const { pages, asked } = paged([20, 3]);
    const reads = heldReads();

    const reading = readConversations(pages, reads.read, new AbortController().signal, conversationsInFlight);
    await until(() => reads.started.length === conversationsInFlight, { what: 'a full set of reads in flight' });
    expect(await settledYet(reading)).toBe(false);
    expect(reads.started).toHaveLength(conversationsInFlight);
    // Each finished read makes room for the next conversation, in order.
    reads.done('p0c0');
    await until(() => reads.started.length === conversationsInFlight + 1);
    expect(reads.started.at(-1)).toBe(`p0c${conversationsInFlight}`);
    while (reads.started.length < 20 || reads.inFlight.size > 1) {
      const first = reads.inFlight.values().next().value as string;
      reads.done(first);
      await until(() => !reads.inFlight.has(first) && (reads.started.length === 20 || reads.inFlight.size === conversationsInFlight));
    }
    // One of the first page is still read: the second page is not asked for.
    expect(asked).toEqual([0]);
    reads.done(reads.inFlight.values().next().value as string);
    await until(() => reads.started.length === 23);
    expect(asked).toEqual([0, 1]);
    for (const a of [...reads.inFlight]) reads.done(a);
    await reading;

    expect(asked).toEqual([0, 1, 2]);
    expect(reads.most()).toBe(conversationsInFlight);
    expect(reads.started).toEqual([...Array.from({ length: 20 }, (_, i) => `p0c${i}`), 'p1c0', 'p1c1', 'p1c2']);
  });

  test('When a read fails, then no conversation is started after it, the ones in flight are told to stop and waited for, and the first failure is thrown without the next page asked for', async () => {
    const { pages, asked } = paged([20, 5]);
    const reads = heldReads();
    const reading = readConversations(pages, reads.read, new AbortController().signal, 3);
    reading.catch(() => undefined);
    await until(() => reads.started.length === 3);
    expect(reads.signals.get('p0c0')?.aborted).toBe(false);

    reads.done('p0c1', new Error('HTTP 503'));
    await until(() => reads.signals.get('p0c0')?.aborted === true, { what: 'the reads in flight told to stop' });
    expect(reads.signals.get('p0c2')?.aborted).toBe(true);
    expect(await settledYet(reading)).toBe(false);
    reads.done('p0c0', new Error('HTTP 500'));
    expect(await settledYet(reading)).toBe(false);
    reads.done('p0c2');

    await expect(reading).rejects.toThrow('HTTP 503');
    expect(reads.started).toEqual(['p0c0', 'p0c1', 'p0c2']);
    expect(asked).toEqual([0]);
  });

  test('When the backfill is stopped, then no conversation is started after it, the ones in flight are waited for, and the next page is not asked for', async () => {
    const { pages, asked } = paged([4, 5]);
    const reads = heldReads();
    const stop = new AbortController();
    const reading = readConversations(pages, reads.read, stop.signal, 2);
    await until(() => reads.started.length === 2);

    stop.abort();
    expect(reads.signals.get('p0c1')?.aborted).toBe(true);
    reads.done('p0c0');
    expect(await settledYet(reading)).toBe(false);
    reads.done('p0c1');
    await reading;

    expect(reads.started).toEqual(['p0c0', 'p0c1']);
    expect(asked).toEqual([0]);
  });

  test('When pages are plain arrays (conversations named by an operator) or a page is shorter than the reads allowed, then each conversation is read once', async () => {
    const read: string[] = [];
    await readConversations([[user('a'), user('b')], [], [user('c')]], async (c) => void read.push(c.a), new AbortController().signal, 4);
    expect(read).toEqual(['a', 'b', 'c']);
  });

  test('When the number wanted rises while a page is read (the round trips turn out long), then more conversations start at once, without waiting for a read to end; when it falls, none starts until fewer are read', async () => {
    const { pages } = paged([12]);
    const reads = heldReads();
    let now = 2;
    const listeners = new Set<() => void>();
    const wanted: ConversationsWanted = { now: () => now, watch: (listener) => (listeners.add(listener), () => void listeners.delete(listener)) };

    const reading = readConversations(pages, reads.read, new AbortController().signal, wanted);
    await until(() => reads.started.length === 2);
    now = 6;
    for (const listener of listeners) listener();
    await until(() => reads.started.length === 6, { what: 'four more started when told' });
    now = 3;
    for (const a of ['p0c0', 'p0c1', 'p0c2']) reads.done(a);
    await until(() => reads.inFlight.size === 3);
    expect(reads.started).toHaveLength(6);
    reads.done('p0c3');
    await until(() => reads.started.length === 7, { what: 'one more once only two were read' });
    while (reads.inFlight.size > 0) {
      for (const a of [...reads.inFlight]) reads.done(a);
      await nextTurn();
    }
    await reading;

    expect(reads.started).toHaveLength(12);
    expect(reads.most()).toBe(6);
    // The page is read: nothing is listening any more.
    expect(listeners.size).toBe(0);
  });

  test('When a read throws instead of rejecting, or the number wanted is not a number, then the page still fails or is read to its end', async () => {
    const throwing = (c: SeenConversation): Promise<void> => {
      if (c.a === 'b') throw new Error('thrown');
      return Promise.resolve();
    };
    await expect(readConversations([[user('a'), user('b'), user('c')]], throwing, new AbortController().signal, 1)).rejects.toThrow('thrown');
    const read: string[] = [];
    await readConversations([[user('a'), user('b')]], async (c) => void read.push(c.a), new AbortController().signal, Number.NaN);
    expect(read).toEqual(['a', 'b']);
  });
});
