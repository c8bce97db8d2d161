// The worst requests a sender without credentials can make to the body-authenticated callbacks
// (NetEase, Easemob): stacked and unknown Content-Encodings and decompression bombs, next to a plain
// junk body of the same size. Used by bench/worst-case-body.mjs: `serve` runs the gateway in a child
// process that reports its own CPU time and peak memory around one request; `send` is the client.
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, constants, deflateSync, gzipSync } from 'node:zlib';

const MiB = 1024 * 1024;
const secret = 'bench-secret';

/** `coding` applied `times` times over `body` (brotli at quality 0: random bytes stay stored blocks). */
function stack(body, coding, times) {
  const encode = { br: (b) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 0 } }), gzip: gzipSync, deflate: deflateSync }[coding];
  let out = body;
  for (let i = 0; i < times; i++) out = encode(out);
  return out;
}

/** A body that expands to `bytes` zeros (a decompression bomb), in one coding (br: with the largest window). */
const bomb = (coding, bytes) =>
  coding === 'br'
    ? brotliCompressSync(Buffer.alloc(bytes), { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_LGWIN]: 24 } })
    : stack(Buffer.alloc(bytes), coding, 1);

/** Every case: `[Content-Encoding or undefined, body]`, built once in the parent. */
export const unauthenticatedCases = {
  'plain: 1 MiB of junk JSON': () => [undefined, Buffer.from(JSON.stringify({ junk: randomBytes(MiB / 2 - 16).toString('hex') }))],
  'br ×5,000 over 777 KiB of noise': () => [Array(5_000).fill('br').join(','), stack(randomBytes(777 * 1024), 'br', 5_000)],
  'gzip bomb: 1 GiB of zeros': () => ['gzip', bomb('gzip', 1024 * MiB)],
  'br bomb, 16 MiB window: 1 GiB of zeros': () => ['br', bomb('br', 1024 * MiB)],
  'gzip, gzip bomb: 1 GiB of zeros twice': () => ['gzip, gzip', stack(bomb('gzip', 1024 * MiB), 'gzip', 1)],
  'deflate, br, gzip over 1 MiB of noise': () => ['deflate, br, gzip', stack(stack(stack(randomBytes(MiB - 4096), 'deflate', 1), 'br', 1), 'gzip', 1)],
  'unknown coding (compress)': () => ['compress', randomBytes(MiB - 4096)],
};

/**
 * The gateway under test, in this (child) process: NetEase and Easemob configured, nothing else.
 * Answers the parent's `mark` (remember CPU and memory now) and `report` (what was used since).
 */
export async function serve(dist) {
  const require = createRequire(join(dist, 'main.js'));
  const { loadConfig } = require(join(dist, 'config.js'));
  const { startService } = require(join(dist, 'service.js'));
  const pino = require('pino');
  const dataDir = mkdtempSync(join(tmpdir(), 'imgw-bench-'));
  const env = { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'silent', NETEASE_APP_SECRETS: secret, EASEMOB_CALLBACK_SECRETS: secret };
  const service = await startService(loadConfig(env), pino({ level: 'silent' }));
  let cpuBefore;
  let rssBefore;
  process.on('message', async (message) => {
    if (message === 'mark') {
      globalThis.gc?.();
      // The high-water mark starts again here (Linux keeps ru_maxrss across exec, so the parent's counts there).
      writeFileSync('/proc/self/clear_refs', '5');
      rssBefore = process.memoryUsage().rss;
      cpuBefore = process.cpuUsage();
      process.send('marked');
    } else if (message === 'report') {
      const cpu = process.cpuUsage(cpuBefore);
      const peakMiB = (Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024 - rssBefore) / MiB;
      process.send({ cpuMs: (cpu.user + cpu.system) / 1000, peakMiB: Math.max(0, peakMiB) });
      await service.stop();
      rmSync(dataDir, { recursive: true, force: true });
      process.exit(0);
    }
  });
  process.send({ port: service.port });
}

/** Small requests that run the code paths once, so the measured request pays no first-call compilation. */
export const warmUps = [
  ['br', brotliCompressSync('{"warm":"up"}')],
  ['deflate', deflateSync('{"warm":"up"}')],
  [undefined, Buffer.from('{"warm":"up"}')],
  ['gzip', gzipSync('{"warm":"up"}')],
];

/** Sends one request and resolves with `status body` of the reply (at most 100 characters). */
export function send(port, vendor, [encoding, body]) {
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/json', 'content-length': body.length, ...(encoding ? { 'content-encoding': encoding } : {}) };
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: `/${vendor}/callback`, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve(`${res.statusCode} ${text.slice(0, 100)}`));
    });
    req.on('error', reject);
    req.setTimeout(60_000, () => req.destroy(new Error('no reply within 60 s')));
    req.end(body);
  });
}
