import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { eventToJson } from '../../../src/events/event';
import { createFileSink, fileSinkConfig } from '../../../src/sinks/file-sink';
import { MemorySink } from '../../../src/sinks/memory-sink';
import { PermanentSinkError } from '../../../src/sinks/sink';
import { createStdoutSink, stdoutSinkConfig } from '../../../src/sinks/stdout-sink';
import { tempDataDir } from '../../helpers/service';
import { describeSinkContract } from '../../helpers/sink-contract';

const parseLines = (text: string) => text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);

describeSinkContract('file', () => {
  const root = tempDataDir();
  const dir = join(root, 'out');
  return {
    makeSink: () => createFileSink(fileSinkConfig.parse({ type: 'file', path: join(dir, 'events.jsonl') }), { dataDir: root }),
    readBack: async () => (existsSync(join(dir, 'events.jsonl')) ? parseLines(readFileSync(join(dir, 'events.jsonl'), 'utf8')) : []),
    dedupes: false,
    // "Down": the directory is replaced by a plain file, so opening the JSONL file fails.
    async stop() {
      renameSync(dir, `${dir}.away`);
      writeFileSync(dir, '');
    },
    async start() {
      if (!existsSync(`${dir}.away`)) return;
      rmSync(dir);
      renameSync(`${dir}.away`, dir);
    },
  };
});

describeSinkContract('stdout', () => {
  let output = '';
  let stuck = false;
  // "Down": nobody reads the pipe, so writes do not complete until it is read again.
  const held: (() => void)[] = [];
  const out = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const take = () => {
        output += chunk.toString();
        callback();
      };
      if (stuck) held.push(take);
      else take();
    },
  });
  return {
    makeSink: () => createStdoutSink(stdoutSinkConfig.parse({ type: 'stdout' }), out),
    readBack: async () => parseLines(output),
    dedupes: false,
    stop: async () => void (stuck = true),
    async start() {
      stuck = false;
      for (const take of held.splice(0)) take();
    },
  };
});

describeSinkContract(
  'memory',
  () => {
    const sink = new MemorySink();
    sink.refuseWhen((event) => (event.attributes.poison === true ? new PermanentSinkError('refused') : undefined));
    return {
      makeSink: async () => sink,
      readBack: async () => sink.events.map((event) => JSON.parse(eventToJson(event)) as Record<string, unknown>),
      dedupes: false,
      stop: async () => sink.failNext(1_000_000),
      start: async () => sink.clearFailures(),
    };
  },
  { poison: (event) => ({ ...event, attributes: { ...event.attributes, poison: true } }) },
);

test('When the file sink directory is missing at start, then it is created', async () => {
  const root = tempDataDir();
  const path = join(root, 'a', 'b', 'events.jsonl');

  const sink = await createFileSink(fileSinkConfig.parse({ type: 'file', path }), { dataDir: root });
  await sink.close();

  expect(existsSync(join(root, 'a', 'b'))).toBe(true);
  mkdirSync(join(root, 'c'));
  rmSync(root, { recursive: true, force: true });
});
