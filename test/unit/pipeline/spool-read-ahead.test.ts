import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event } from '../../../src/events/event';
import { openSpool } from '../../../src/pipeline/spool';

const event = (id: string): Event => ({
  attributes: { specversion: '1.0', id, source: 's', type: 't', time: '2026-01-01T00:00:00.000Z', datacontenttype: 'application/json' },
  data: '{}',
});

describe('spool › reading after a cursor', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgw-read-ahead-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('When a sink takes few of the events and asks for fewer than a read holds, then it gets each of its own, in order, past the others', async () => {
    const path = join(dir, 'spool.db');
    const before = openSpool({ path, sinks: ['few', 'all'] });
    for (let i = 0; i < 300; i++) await before.append(event(`e${i}`), 1000 + i);
    before.close();
    // Restarted with a narrower route: the events it no longer takes are passed by as they are read.
    const wanted = new Set(['e35', 'e70', 'e71', 'e299']);
    const sinks = [{ name: 'few', accepts: (e: Event) => wanted.has(e.attributes.id) }, 'all'];
    let spool = openSpool({ path, sinks });
    try {
      const taken: string[][] = [];
      const pending: number[] = [];
      for (let read = 0; read < 5; read++) {
        const due = spool.due('few', 5000, 1);
        await spool.delivered('few', due.map((item) => item.seq));
        taken.push(due.map((item) => item.event.attributes.id));
        pending.push(spool.pending('few'));
        if (read === 1) {
          // The count as it stands is what the next start reads back.
          spool.close();
          spool = openSpool({ path, sinks });
          pending.push(spool.pending('few'));
        }
      }

      // Each read finds the next one, however many of the others lie before it; past the last, none.
      expect(taken).toEqual([['e35'], ['e70'], ['e71'], ['e299'], []]);
      // The count drops by each event passed by as well as each taken (264 after e35: e36 to e299 not read yet).
      expect(pending).toEqual([264, 229, 229, 228, 0, 0]);
      expect(spool.due('all', 5000, 100).map((item) => item.event.attributes.id)).toEqual(Array.from({ length: 100 }, (_, i) => `e${i}`));
    } finally {
      spool.close();
    }
  });

  test('When a sink is further behind than memory holds, then the older events come from the log and the newer from memory, each once, in order', async () => {
    const spool = openSpool({ path: join(dir, 'spool.db'), sinks: ['slow'] });
    try {
      // More than the newest events kept in memory (1,024): the first ones are read from their rows.
      const events = Array.from({ length: 1500 }, (_, i) => ({ ...event(`e${i}`), data: JSON.stringify({ n: i, text: `ü ${i}` }) }));
      for (const [i, e] of events.entries()) await spool.append(e, 1000 + i);
      const read: Event[] = [];
      for (let pass = 0; pass < 20 && read.length < events.length; pass++) {
        const due = spool.due('slow', 5000, 100);
        spool.writing('slow', due.map((item) => item.seq));
        await spool.delivered('slow', due.map((item) => item.seq));
        read.push(...due.map((item) => item.event));
      }

      expect(read.map((e) => e.attributes.id)).toEqual(events.map((e) => e.attributes.id));
      expect(read.map((e) => e.data)).toEqual(events.map((e) => e.data));
      expect(spool.pending('slow')).toBe(0);
    } finally {
      spool.close();
    }
  });
});
