import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event } from '../../../src/events/event';
import { createSpoolPressure, readSpool } from '../../../src/pipeline/pressure';
import { openSpool, type Spool } from '../../../src/pipeline/spool';

const event = (id: string, data = '{"n":1}'): Event => ({
  attributes: { specversion: '1.0', id, source: 's', type: 't', time: '2026-01-01T00:00:00.000Z', datacontenttype: 'application/json' },
  data,
});
const junk = (n: number) => ({ receivedAt: n, vendor: 'tencent', command: 'C2C.X', reason: 'malformed_json', detail: 'd', head: { query: 'a=1' }, body: Buffer.alloc(1024 * 1024, 0x20) });

describe('spool bounds', () => {
  let dir: string;
  let spool: Spool;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'imgw-bounds-'))));
  afterEach(() => {
    spool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('When a sink is no longer configured, then its pending rows are reported as orphans and kept out of the pending bound', async () => {
    spool = openSpool({ path: join(dir, 'spool.db'), sinks: ['old', 'kept'] });
    for (const id of ['o1', 'o2', 'o3']) await spool.append(event(id), 1000);
    const seqs = spool.due('kept', 5000, 10).map((item) => item.seq);
    await spool.delivered('kept', seqs);
    spool.close();

    spool = openSpool({ path: join(dir, 'spool.db'), sinks: ['kept'] });
    const pressure = createSpoolPressure({ spool, limits: { maxPending: 2, maxBytes: 0, maxAgeMs: 0 } });
    pressure.stop();

    expect(pressure.reason()).toBeUndefined();
    expect(pressure.snapshot().backlog).toEqual([{ sink: 'kept', pending: 0, oldestReceivedAt: undefined }]);
    expect(pressure.snapshot().orphans).toEqual([{ sink: 'old', pending: 3, oldestReceivedAt: 1000 }]);
  });

  test('When 60 junk bodies of 1 MB are quarantined, then the quarantine stays under its own cap and callbacks are not refused for size', async () => {
    spool = openSpool({ path: join(dir, 'spool.db'), sinks: ['a'], quarantine: { maxBytes: 8 * 1024 * 1024 } });
    for (let i = 0; i < 60; i += 1) await spool.quarantine(junk(i));
    const pressure = createSpoolPressure({ spool, limits: { maxPending: 0, maxBytes: 4 * 1024 * 1024, maxAgeMs: 0 } });
    pressure.stop();

    const kept = spool.admin.quarantineRows().map((row) => row.received_at);
    expect(kept).toEqual([52, 53, 54, 55, 56, 57, 58, 59]);
    expect(spool.quarantineSize()).toEqual({ entries: 8, bytes: 8 * 1024 * 1024 });
    expect(spool.quarantineDropped).toBe(52);
    expect(readSpool(spool).bytes).toBeLessThan(1024 * 1024);
    expect(pressure.reason()).toBeUndefined();
  });

  test('When a relief finds only undelivered events, then callbacks are refused; once those are delivered, the next reading prunes them and accepts again', async () => {
    spool = openSpool({ path: join(dir, 'spool.db'), sinks: ['a'] });
    const big = `"${'x'.repeat(500)}"`;
    for (let i = 0; i < 2000; i += 100) await Promise.all(Array.from({ length: 100 }, (_, j) => spool.append(event(`u${i + j}`, big), 1000 + i + j)));
    const maxBytes = Math.floor(spool.storedBytes() * 0.95);
    const reliefs: { removed: number; exhausted: boolean }[] = [];
    let relieved: () => void = () => undefined;
    const nextRelief = () => new Promise<void>((resolve) => (relieved = resolve));
    let waiting = nextRelief();
    const pressure = createSpoolPressure({
      spool,
      limits: { maxPending: 0, maxBytes, maxAgeMs: 0 },
      intervalMs: 3_600_000,
      onRelief: (relief) => {
        reliefs.push({ removed: relief.removed, exhausted: relief.exhausted });
        relieved();
      },
    });
    pressure.stop();
    await waiting;

    const refused = pressure.reason();
    waiting = nextRelief();
    await spool.delivered('a', spool.due('a', 5000, 5000).map((item) => item.seq));
    pressure.refresh();
    await waiting;

    expect(refused).toMatch(/^spool is full: \d+ bytes of undelivered events \(limit \d+\)$/);
    expect(reliefs[0]).toEqual({ removed: 0, exhausted: true });
    expect(reliefs[1]?.removed).toBeGreaterThan(0);
    expect(pressure.reason()).toBeUndefined();
    expect(spool.storedBytes()).toBeLessThanOrEqual(maxBytes * 0.8);
    // Oldest first and only as much as needed: most of the history (the de-duplication window) stays.
    expect(spool.historyFrom()).toBeGreaterThan(1000);
    expect(spool.admin.stats().events).toBeGreaterThan(1000);
  });

  test('When quarantined requests are older than the retention, then pruning removes only those', async () => {
    spool = openSpool({ path: join(dir, 'spool.db'), sinks: ['a'] });
    for (const at of [100, 200, 300]) await spool.quarantine({ ...junk(at), body: Buffer.from('x') });

    expect(await spool.pruneQuarantine(250)).toBe(2);
    expect(spool.quarantineSize()).toEqual({ entries: 1, bytes: 1 });
  });
});

describe('createSpoolPressure on a spool that cannot be read', () => {
  test('When reading the backlog meets a corrupt page, then nothing throws, the spool is marked damaged and the reason says so', () => {
    let damage: string | undefined;
    const corrupt = Object.assign(new Error('database disk image is malformed'), { code: 'SQLITE_CORRUPT' });
    const spool = {
      sinkNames: ['file'],
      backlog: () => {
        throw corrupt;
      },
      deadLetterCounts: () => [],
      storedBytes: () => 0,
      quarantineSize: () => ({ entries: 0, bytes: 0 }),
      historyFrom: () => undefined,
      damage: () => damage,
      noteError: (error: unknown) => {
        damage = `${(error as { code: string }).code}: ${(error as Error).message}`;
      },
      relieve: async () => ({ removed: 0, exhausted: true }),
    };

    const pressure = createSpoolPressure({ spool, limits: { maxPending: 10, maxBytes: 0, maxAgeMs: 0 }, intervalMs: 60_000 });
    const reason = pressure.reason();
    const refusal = pressure.refusal();
    pressure.stop();

    expect(reason).toBe('spool is damaged (SQLITE_CORRUPT: database disk image is malformed); see the runbook');
    expect(refusal).toEqual({ reason: 'spool_damaged', text: reason });
  });
});
