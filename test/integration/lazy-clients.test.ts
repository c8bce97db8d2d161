import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '../..');

/**
 * Which client packages the built service has loaded once `work` (a script body that evaluates to a
 * promise, run in a fresh Node with the service's modules loaded) has settled.
 */
function loadedAfter(work: string): string[] {
  const script = `
    require('./dist/service.js');
    Promise.resolve()
      .then(() => ${work})
      .finally(() => {
        const names = Object.keys(require.cache).map((file) => /node_modules\\/(pg|ioredis|undici|@nats-io\\/[a-z-]+)\\//.exec(file)?.[1]).filter(Boolean);
        console.log(JSON.stringify([...new Set(names)].sort()));
      });`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { timeout: 60_000, cwd: root, encoding: 'utf8' })) as string[];
}

/** The client packages loaded once the given sinks are built (and closed again). */
function loadedClients(sinks: unknown[]): string[] {
  const dataDir = mkdtempSync(join(tmpdir(), 'imgw-lazy-'));
  try {
    const deps = { dataDir, relayKeys: ['relay-key-of-this-gateway'] };
    // Each sink's settings as the configuration file's schema makes them (its defaults applied).
    const build = `const registry = require('./dist/sinks/registry.js');
      return registry.buildSinks(${JSON.stringify(sinks)}.map((sink) => registry.sinkConfigSchema.parse(sink)), ${JSON.stringify(deps)})`;
    return loadedAfter(`(() => { ${build}; })().then((built) => Promise.all(built.map((sink) => sink.close())))`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('sink clients are loaded on first use', () => {
  test('When only a file sink is configured, then pg, ioredis, the NATS client and the HTTP client (undici) are never loaded', () => {
    expect(loadedClients([{ type: 'file', name: 'file', path: join(tmpdir(), `lazy-${process.pid}.jsonl`) }])).toEqual([]);
  });

  test('When a Redis sink is built, then ioredis (and only it) is loaded', () => {
    expect(loadedClients([{ type: 'redis', url: 'redis://127.0.0.1:1' }])).toEqual(['ioredis']);
  });

  test('When an HTTP sink is built, then its HTTP client (undici) is loaded then, before its first write', () => {
    expect(loadedClients([{ type: 'http', url: 'http://127.0.0.1:1/events' }])).toEqual(['undici']);
  });

  test('When a relay sink is built, then its HTTP client (undici) is loaded then, before its first send', () => {
    const relay = { type: 'easemob', name: 'relay', baseUrl: 'http://127.0.0.1:1', appKey: 'acme#chat', clientId: 'id', clientSecret: 'secret' };

    expect(loadedClients([relay])).toEqual(['undici']);
  });
});

describe('backfill loads its HTTP client when it starts', () => {
  // The first history call comes as callbacks come back after an outage: compiling undici then would hold them up.
  const backfillWith = (env: Record<string, string>): string[] =>
    loadedAfter(`(() => {
      const config = require('./dist/config.js').loadConfig(${JSON.stringify({ DATA_DIR: tmpdir(), TENCENT_SDKAPPIDS: '1400000001', TENCENT_CALLBACK_TOKENS: 'token-of-sixteen-chars', ...env })});
      const vendors = require('./dist/vendors/registry.js').buildVendors(config.vendors, { clock: Date.now, relayKeys: config.relayKeys }).active;
      const stops = [];
      const gaps = { list: () => [], isOpen: () => false };
      const logger = { info() {}, warn() {}, error() {} };
      const quotas = () => ({ take: async () => {} });
      const started = require('./dist/parts/backfill.js').startBackfill(config, { spool: { gaps }, vendors, metrics: {}, logger, clock: Date.now, stops: { add: (name, stop) => stops.push(stop) }, quotas, heap: require('./dist/heap.js').steadyHeap });
      if (started === undefined) return undefined;
      return Promise.all(stops.map((stop) => stop()));
    })()`);

  test('When Tencent backfill is configured, then undici is loaded as backfill starts, before any history call', () => {
    expect(backfillWith({ BACKFILL_TENCENT_URL: 'http://127.0.0.1:1', BACKFILL_TENCENT_KEY: 'k' })).toEqual(['undici']);
  });

  test('When no backfill is configured, then undici is not loaded', () => {
    expect(backfillWith({})).toEqual([]);
  });
});
