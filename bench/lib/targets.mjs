// The servers a benchmark compares: the comparison servers in bench/servers/ and the built gateway in
// spool or direct mode with the JSONL file sink, each in its own data directory.
import { closeSync, mkdtempSync, openSync, readSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import launchModule from './launch.js';
import { sdkAppId, token } from './load.mjs';

const { launch, gatewayMain, gatewayNodeArgs, root } = launchModule;

export const comparison = {
  'raw node:http': 'raw-http.mjs',
  'bare Express 5 + express.json()': 'express-bare.mjs',
  'Fastify 5': 'fastify.mjs',
  'Express + helmet + zod + prom-client': 'express-careful.mjs',
};

/** Starts a comparison server pinned to `cpus`. */
export async function startComparison(name, cpus) {
  const server = await launch(join(root, 'bench/servers', comparison[name]), { PORT: '0', TENCENT_SDKAPPIDS: sdkAppId, TENCENT_CALLBACK_TOKENS: token }, { cpus });
  return { name, kind: 'comparison', ...server, stop: () => server.stop() };
}

/**
 * Starts the gateway (dist/main.js) in `mode` ('spool' | 'direct') with the Sign check on and the file
 * sink (or the given `sinks`); the file never rotates during a run so every line can be counted.
 */
export async function startGateway(name, mode, { cpus, nodeArgs, env = {}, main = gatewayMain, startArgs = gatewayNodeArgs, sinks = [{ type: 'file', rotateBytes: 1024 ** 4 }] } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), `imgw-bench-${mode}-`));
  const configFile = join(dataDir, 'sinks.json');
  writeFileSync(configFile, JSON.stringify({ sinks }));
  const server = await launch(
    main,
    {
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      CONFIG_FILE: configFile,
      ACK_MODE: mode,
      LOG_LEVEL: 'info',
      TENCENT_SDKAPPIDS: sdkAppId,
      TENCENT_CALLBACK_TOKENS: token,
      ...env,
    },
    // With the Node flags `npm start` and the image use (`startArgs`: this checkout's unless given), then the caller's.
    { cpus, nodeArgs: [...startArgs, ...(nodeArgs ?? [])], keepOutput: false },
  );
  const sink = new JsonlFile(join(dataDir, 'events.jsonl'));
  return {
    name,
    kind: 'gateway',
    mode,
    dataDir,
    sink,
    acked: new Set(),
    ...server,
    async stop() {
      await server.stop();
      sink.close();
    },
    remove() {
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A JSONL file read as it grows: `lines()` counts complete lines without re-reading what it has seen. */
export class JsonlFile {
  constructor(path) {
    this.path = path;
    this.offset = 0;
    this.count = 0;
    this.fd = undefined;
    this.buffer = Buffer.alloc(1 << 20);
  }

  lines() {
    if (this.fd === undefined) {
      if (!existsSync(this.path)) return 0;
      this.fd = openSync(this.path, 'r');
    }
    for (;;) {
      const n = readSync(this.fd, this.buffer, 0, this.buffer.length, this.offset);
      if (n === 0) break;
      const last = this.buffer.lastIndexOf(10, n - 1);
      if (last < 0) break; // a partial line: wait for its end
      for (let i = 0; i <= last; i++) if (this.buffer[i] === 10) this.count++;
      this.offset += last + 1;
    }
    return this.count;
  }

  /**
   * Calls `each` with every event in the file, parsed, reading it in pieces: a run with large bodies
   * writes more than fits in one string.
   */
  forEachEvent(each) {
    if (!existsSync(this.path)) return;
    const fd = openSync(this.path, 'r');
    try {
      const chunk = Buffer.alloc(1 << 22);
      let rest = Buffer.alloc(0);
      let position = 0;
      for (;;) {
        const n = readSync(fd, chunk, 0, chunk.length, position);
        if (n === 0) break;
        position += n;
        const data = rest.length > 0 ? Buffer.concat([rest, chunk.subarray(0, n)]) : chunk.subarray(0, n);
        let start = 0;
        for (let end = data.indexOf(10, start); end >= 0; end = data.indexOf(10, start)) {
          if (end > start) each(JSON.parse(data.toString('utf8', start, end)));
          start = end + 1;
        }
        rest = Buffer.from(data.subarray(start));
      }
      if (rest.length > 0) each(JSON.parse(rest.toString('utf8')));
    } finally {
      closeSync(fd);
    }
  }

  close() {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Waits until the sink holds at least as many lines as OK replies (bounded); returns the ms it took, or -1. */
export async function drained(gateway, limitMs = 60_000) {
  const start = Date.now();
  while (gateway.sink.lines() < gateway.acked.size) {
    if (Date.now() - start > limitMs) return -1;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return Date.now() - start;
}

/**
 * Every OK reached the sink exactly once: each acknowledged MsgKey is in the file, and no event id is
 * there twice. Events the sink holds beyond the acknowledged ones were in flight when a run stopped.
 */
export function exactlyOnce(gateway) {
  const ids = new Map();
  const keys = new Set();
  let lines = 0;
  gateway.sink.forEachEvent((event) => {
    lines += 1;
    ids.set(event.id, (ids.get(event.id) ?? 0) + 1);
    keys.add(event.msgkey);
  });
  const missing = [...gateway.acked].filter((key) => !keys.has(key)).length;
  const doubled = [...ids.values()].filter((n) => n > 1).length;
  return { acked: gateway.acked.size, lines, distinct: ids.size, missing, doubled, ok: missing === 0 && doubled === 0 };
}
