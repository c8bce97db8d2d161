import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { gatewayMain, gatewayNodeArgs, launch, type Launched } from '../../bench/lib/launch';
import type { TencentFixture } from './fixtures';
import { callbackPath, TEST_TOKEN } from './tencent';

export type ServiceProcess = Launched;

/**
 * Runs the built service as its own process, with the Node flags `npm start` uses; resolves once it logs that it listens. By default it
 * accepts the test app, signed with the test token; `{ signed: false }` starts it unconfigured.
 */
export function launchService(env: Record<string, string>, options: { signed?: boolean } = {}): Promise<ServiceProcess> {
  const tencent: Record<string, string> = options.signed === false ? {} : { TENCENT_SDKAPPIDS: '1400000001', TENCENT_CALLBACK_TOKENS: TEST_TOKEN };
  return launch(gatewayMain, { HOST: '127.0.0.1', ...tencent, ...env }, { nodeArgs: gatewayNodeArgs });
}

/** One signed callback over a fresh connection; resolves with the status and reply, or rejects on a network error. */
export function postCallback(
  port: number,
  fixture: TencentFixture,
  body: Record<string, unknown>,
  agentless = true,
  localAddress?: string,
): Promise<{ status: number; reply: Record<string, unknown> }> {
  const path = callbackPath(fixture.query, { requestTime: Math.floor(Date.now() / 1000) });
  return postJson(port, { path, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)) }, { agentless, localAddress });
}

/** Posts bytes and reads a JSON reply; resolves with the status and reply, or rejects on a network error or a reply that is not JSON. */
export function postJson(
  port: number,
  message: { readonly path: string; readonly headers: Readonly<Record<string, string>>; readonly body: Buffer },
  options: { readonly agentless?: boolean; readonly localAddress?: string } = {},
): Promise<{ status: number; reply: Record<string, unknown> }> {
  const { agentless = true, localAddress } = options;
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, localAddress, method: 'POST', path: message.path, agent: agentless ? false : undefined, headers: { ...message.headers, 'content-length': message.body.length } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, reply: JSON.parse(text) as Record<string, unknown> });
          } catch (error) {
            reject(error);
          }
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(message.body);
  });
}

/** The CloudEvents in a JSONL file (and its rotations), parsed. */
export function readJsonl(path: string): Record<string, unknown>[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Resident memory (MiB) and open file descriptors of a process, from /proc. */
export function processUsage(pid: number): { rssMiB: number; fds: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { rssMiB: Math.round(rssKb / 102.4) / 10, fds: readdirSync(`/proc/${pid}/fd`).length };
}
