import { appendFileSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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

  test('When the signal is already aborted, then the write rejects and nothing is written', async () => {
    const sink = await createFileSink(fileSinkConfig.parse({ type: 'file' }), { dataDir: dir });
    const controller = new AbortController();
    controller.abort(new Error('stop'));

    await expect(sink.write([event('a')], controller.signal)).rejects.toThrow('stop');
    await sink.close();
    await sink.close();

    expect(readdirSync(dir)).toEqual([]);
  });
});
