import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event } from '../../../src/events/event';
import { openSpool } from '../../../src/pipeline/spool';
import type { Retry } from '../../../src/pipeline/spool/cursors';
import { lowestSeqs } from '../../../src/pipeline/spool/log';

const event = (id: string): Event => ({
  attributes: { specversion: '1.0', id, source: 's', type: 't', time: '2026-01-01T00:00:00.000Z', datacontenttype: 'application/json' },
  data: '{}',
});

describe('spool retries', () => {
  test.each([0, 1, 5, 1000])('When %i retries are asked for among shuffled ones, then the lowest seqs come in order', (limit) => {
    const seqs = Array.from({ length: 3000 }, (_, i) => (i * 7919) % 3001 + 1);
    const retries = new Map<number, Retry>(seqs.map((seq) => [seq, { seq, receivedAt: seq, attempts: 0, nextAt: 0 }]));

    const lowest = lowestSeqs(retries, limit).map((retry) => retry.seq);

    expect(lowest).toEqual([...seqs].sort((a, b) => a - b).slice(0, limit));
  });

  test('When a sink has more retries than one batch, then due() reads the events of that batch only (one unreadable further on does not stop it)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'imgw-retries-'));
    const path = join(dir, 'spool.db');
    const first = openSpool({ path, sinks: ['a'] });
    for (let n = 1; n <= 50; n += 1) await first.append(event(`e${n}`), n);
    await first.failed('a', Array.from({ length: 50 }, (_, i) => i + 1), 'down', 100, 10);
    first.close();
    const other = new Database(path);
    other.prepare("UPDATE log SET attributes = '{' WHERE seq = 40").run();
    other.close();
    const spool = openSpool({ path, sinks: ['a'] });
    try {

      const due = spool.due('a', 100, 10);

      expect(due.map((item) => item.event.attributes.id)).toEqual(Array.from({ length: 10 }, (_, i) => `e${i + 1}`));
    } finally {
      spool.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
