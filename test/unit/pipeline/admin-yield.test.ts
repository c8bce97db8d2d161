import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event } from '../../../src/events/event';
import { createAdmin } from '../../../src/pipeline/admin';
import { openSpool, type Spool } from '../../../src/pipeline/spool';

const event = (id: string): Event => ({
  attributes: { specversion: '1.0', id, source: 's', type: 't', time: '2026-01-01T00:00:00.000Z', datacontenttype: 'application/json' },
  data: '{}',
});

describe('admin jobs and the ingest guard', () => {
  let dir: string;
  let spool: Spool;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgw-admin-yield-'));
    spool = openSpool({ path: join(dir, 'spool.db'), sinks: ['file'] });
  });
  afterEach(() => {
    spool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('When a redrive of more than ten chunks starts, then it holds the guard (it starts slowly) and asks its factor between chunks; a dry run does neither', async () => {
    const seqs = Array.from({ length: 25 }, (_, i) => i + 1);
    for (const seq of seqs) await spool.append(event(`e${seq}`), 1000);
    await spool.deadLetter('file', seqs, 'refused', 2000);
    const calls: string[] = [];
    const guard = {
      factor: () => {
        calls.push('factor');
        return 1;
      },
      hold: () => void calls.push('hold'),
    };
    const admin = createAdmin({ store: spool.adminStore, sinks: ['file'], recheck: () => ({ kind: 'no_vendor' }), clock: () => 5000, instance: 'test', chunk: 2, guard });

    await admin.redriveDeadLetters('ops', { sink: 'file' }, { dryRun: true });
    const afterDryRun = [...calls];
    const started = await admin.redriveDeadLetters('ops', { sink: 'file' });
    if (!('settled' in started)) throw new Error('the redrive did not start a job');
    await started.settled;

    expect(afterDryRun).toEqual([]);
    expect(calls[0]).toBe('hold');
    expect(calls.filter((call) => call === 'hold')).toHaveLength(1);
    // 25 dead letters in chunks of two: a rest after each chunk, each sized by the factor.
    expect(calls.filter((call) => call === 'factor').length).toBeGreaterThanOrEqual(12);
    expect(spool.adminStore.stats().sinks.find((s) => s.sink === 'file')?.dead).toBe(0);
  });

  test('When a redrive of a few chunks starts, then it does not hold the guard', async () => {
    for (const id of ['a', 'b', 'c']) await spool.append(event(id), 1000);
    await spool.deadLetter('file', [1, 2, 3], 'refused', 2000);
    let held = 0;
    const admin = createAdmin({ store: spool.adminStore, sinks: ['file'], recheck: () => ({ kind: 'no_vendor' }), clock: () => 5000, instance: 'test', chunk: 2, guard: { factor: () => 1, hold: () => void (held += 1) } });

    const started = await admin.redriveDeadLetters('ops', { sink: 'file' });
    if (!('settled' in started)) throw new Error('the redrive did not start a job');
    await started.settled;

    expect(held).toBe(0);
    expect(spool.adminStore.stats().sinks.find((s) => s.sink === 'file')?.dead).toBe(0);
  });
});
