import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '../..');

/** Which sink client packages the built service has loaded after building the given sinks. */
function loadedClients(sinks: unknown[]): string[] {
  const script = `
    const { buildSinks } = require('./dist/sinks/registry.js');
    require('./dist/service.js');
    buildSinks(${JSON.stringify(sinks)}, { dataDir: require('node:os').tmpdir() })
      .then((built) => Promise.all(built.map((sink) => sink.close())))
      .finally(() => {
        const names = Object.keys(require.cache).map((file) => /node_modules\\/(pg|ioredis|undici|@nats-io\\/[a-z-]+)\\//.exec(file)?.[1]).filter(Boolean);
        console.log(JSON.stringify([...new Set(names)].sort()));
      });`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { timeout: 60_000, cwd: root, encoding: 'utf8' })) as string[];
}

describe('sink clients are loaded on first use', () => {
  test('When only a file sink is configured, then pg, ioredis, the NATS client and the HTTP client (undici) are never loaded', () => {
    expect(loadedClients([{ type: 'file', name: 'file', path: join(tmpdir(), `lazy-${process.pid}.jsonl`) }])).toEqual([]);
  });

  test('When a Redis sink is built, then ioredis (and only it) is loaded', () => {
    expect(loadedClients([{ type: 'redis', url: 'redis://127.0.0.1:1' }])).toEqual(['ioredis']);
  });
});
