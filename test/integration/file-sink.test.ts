import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event } from '../../src/events/event';
import { createFileSink, fileSinkConfig } from '../../src/sinks/file-sink';
import { tempDataDir } from '../helpers/service';

const event = (id: string, data = '{"a":1}'): Event => ({
  attributes: { specversion: '1.0', id, source: 's', type: 't', time: '2026-01-01T00:00:00.000Z', datacontenttype: 'application/json' },
  data,
});
const signal = () => new AbortController().signal;

describe('file sink', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDataDir();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('When a batch is written, then each event is one JSON line with data inlined', async () => {
    const sink = await createFileSink(fileSinkConfig.parse({ type: 'file' }), { dataDir: dir });

    await sink.write([event('a'), event('b', '{\n  "pretty": true\n}')], signal());
    await sink.close();

    const lines = readFileSync(join(dir, 'events.jsonl'), 'utf8').split('\n');
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[0]!)).toMatchObject({ id: 'a', data: { a: 1 } });
    expect(JSON.parse(lines[1]!)).toMatchObject({ id: 'b', data: { pretty: true } });
    expect(lines[2]).toBe('');
  });

  test('When the file would pass rotateBytes, then it is rotated and only keepFiles old files stay', async () => {
    const sink = await createFileSink(fileSinkConfig.parse({ type: 'file', rotateBytes: 1024, keepFiles: 2 }), { dataDir: dir });
    const big = JSON.stringify({ pad: 'x'.repeat(600) });

    for (let i = 0; i < 5; i++) await sink.write([event(`e${i}`, big)], signal());
    await sink.close();

    expect(readdirSync(dir).sort()).toEqual(['events.jsonl', 'events.jsonl.1', 'events.jsonl.2']);
    expect(JSON.parse(readFileSync(join(dir, 'events.jsonl'), 'utf8')).id).toBe('e4');
    expect(JSON.parse(readFileSync(join(dir, 'events.jsonl.1'), 'utf8')).id).toBe('e3');
    expect(JSON.parse(readFileSync(join(dir, 'events.jsonl.2'), 'utf8')).id).toBe('e2');
  });

  test('When the process died mid-write, then at the next start the torn last line is cut and the unacknowledged batch is not written twice', async () => {
    const path = join(dir, 'events.jsonl');
    const first = await createFileSink(fileSinkConfig.parse({ type: 'file' }), { dataDir: dir });
    await first.write([event('a'), event('b')], signal());
    await first.close();
    appendFileSync(path, '{"specversion":"1.0","id":"c","sour');

    const second = await createFileSink(fileSinkConfig.parse({ type: 'file' }), { dataDir: dir });
    await second.write([event('a'), event('b'), event('c')], signal());
    await second.write([event('a')], signal());
    await second.close();

    expect(readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line).id)).toEqual(['a', 'b', 'c', 'a']);
  });

  test('When the last run was killed after a whole batch was written, then at the next start that batch is not written twice, but a replayed copy of it is', async () => {
    const path = join(dir, 'events.jsonl');
    // Killed: the first sink is never closed before the second starts.
    const killed = await createFileSink(fileSinkConfig.parse({ type: 'file' }), { dataDir: dir });
    await killed.write([event('a'), event('b')], signal());

    const next = await createFileSink(fileSinkConfig.parse({ type: 'file' }), { dataDir: dir });
    await next.write([event('b')], signal());
    await next.write([{ ...event('a'), replayed: true }], signal());
    await next.write([event('c')], signal());
    await next.close();
    await killed.close();

    expect(readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line).id)).toEqual(['a', 'b', 'a', 'c']);
  });

  test('When the last run stopped cleanly, then events already in the file are written again when they come (a replay after a restart)', async () => {
    const path = join(dir, 'events.jsonl');
    const first = await createFileSink(fileSinkConfig.parse({ type: 'file' }), { dataDir: dir });
    await first.write([event('a'), event('b')], signal());
    await first.close();

    const second = await createFileSink(fileSinkConfig.parse({ type: 'file' }), { dataDir: dir });
    await second.write([event('a'), event('b')], signal());
    await second.close();

    expect(readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line).id)).toEqual(['a', 'b', 'a', 'b']);
    expect(readdirSync(dir)).toEqual(['events.jsonl']);
  });

  test('When the signal is already aborted, then the write rejects and nothing is written', async () => {
    const sink = await createFileSink(fileSinkConfig.parse({ type: 'file' }), { dataDir: dir });
    const controller = new AbortController();
    controller.abort(new Error('stop'));

    await expect(sink.write([event('a')], controller.signal)).rejects.toThrow('stop');
    await sink.close();
    await sink.close();

    expect(readdirSync(dir)).toEqual([]);
  });

  test('When a write finishes after its signal aborted, then the retry of the same events does not write them twice, and a later write still does', async () => {
    const path = join(dir, 'events.jsonl');
    const sink = await createFileSink(fileSinkConfig.parse({ type: 'file' }), { dataDir: dir });
    const batch = ['a', 'b', 'c'].map((id) => event(id, JSON.stringify({ pad: 'x'.repeat(10_000) })));
    const controller = new AbortController();

    const first = sink.write(batch, controller.signal);
    // The write has started (its abort check ran first); the caller gives up while it is in flight.
    await Promise.resolve().then(() => controller.abort(new Error('timed out')));
    await first;
    await sink.write(batch, signal());
    await sink.write([event('d')], signal());
    await sink.write([event('a')], signal());
    await sink.close();

    expect(readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line).id)).toEqual(['a', 'b', 'c', 'd', 'a']);
  });

  test('When the file is moved away between batches, then the next batch starts a new file at the path', async () => {
    const path = join(dir, 'events.jsonl');
    const sink = await createFileSink(fileSinkConfig.parse({ type: 'file' }), { dataDir: dir });

    await sink.write([event('a')], signal());
    renameSync(path, `${path}.moved`);
    await sink.write([event('b')], signal());
    await sink.close();

    expect(readFileSync(`${path}.moved`, 'utf8')).toMatch(/^\{"specversion":"1\.0","id":"a".*\n$/);
    expect(readFileSync(path, 'utf8')).toMatch(/^\{"specversion":"1\.0","id":"b".*\n$/);
  });
});

describe('file sink on a full disk', () => {
  test('When the disk fills mid-batch, then that write rejects, the file holds exactly the acknowledged events in whole lines, and the batch succeeds once space returns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'imgw-filesink-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', dir], { timeout: 60_000 });
    try {
      writeFileSync(join(dir, 'ballast'), Buffer.alloc(64 * 1024));
      const path = join(dir, 'events.jsonl');
      const sink = await createFileSink(fileSinkConfig.parse({ type: 'file', path }), { dataDir: dir });
      const acknowledged: string[] = [];
      let failed: { batch: Event[]; error: NodeJS.ErrnoException } | undefined;
      for (let round = 0; round < 100 && !failed; round++) {
        // 7 events of about 3 KiB: batches do not line up with the free space, so the last one is cut short.
        const batch = Array.from({ length: 7 }, (_, i) => event(`r${round}-${i}`, JSON.stringify({ pad: 'x'.repeat(3000 + i) })));
        try {
          await sink.write(batch, signal());
          acknowledged.push(...batch.map((e) => e.attributes.id));
        } catch (error) {
          failed = { batch, error: error as NodeJS.ErrnoException };
        }
      }
      const whenFull = readFileSync(path, 'utf8');
      rmSync(join(dir, 'ballast'));
      await sink.write(failed!.batch, signal());
      await sink.close();
      const after = readFileSync(path, 'utf8');

      expect(failed?.error.code).toBe('ENOSPC');
      expect(acknowledged.length).toBeGreaterThan(0);
      expect(whenFull.endsWith('\n')).toBe(true);
      expect(whenFull.split('\n').filter(Boolean).map((line) => JSON.parse(line).id)).toEqual(acknowledged);
      expect(after.split('\n').filter(Boolean).map((line) => JSON.parse(line).id)).toEqual([...acknowledged, ...failed!.batch.map((e) => e.attributes.id)]);
    } finally {
      execFileSync('umount', [dir], { timeout: 60_000 });
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
