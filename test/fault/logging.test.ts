import { spawn } from 'node:child_process';
import { closeSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadFixture } from '../helpers/fixtures';
import { postCallback } from '../helpers/process';
import { freePort } from '../helpers/servers';
import { tempDataDir } from '../helpers/service';
import { until } from '../helpers/wait';
import { TEST_TOKEN } from '../helpers/tencent';

const sample = loadFixture('c2c-after-send-official');
const main = join(__dirname, '..', '..', 'dist', 'main.js');

describe('fault: the log destination fails', () => {
  test('When every log write fails with ENOSPC (stdout on /dev/full), then the service starts, answers every callback, reports it once on stderr and stops with exit 0', async () => {
    const dataDir = tempDataDir();
    const port = await freePort();
    const full = openSync('/dev/full', 'w');
    const child = spawn(process.execPath, [main], {
      env: { PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'debug', TENCENT_SDKAPPIDS: '1400000001', TENCENT_CALLBACK_TOKENS: TEST_TOKEN },
      stdio: ['ignore', full, 'pipe'],
    });
    closeSync(full);
    let stderr = '';
    child.stderr?.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    try {
      await until(async () => {
        if (child.exitCode !== null) throw new Error(`exited early with ${child.exitCode}: ${stderr}`);
        return fetch(`http://127.0.0.1:${port}/healthz`).then((res) => res.ok, () => false);
      }, 20_000);

      const replies = [];
      for (let i = 0; i < 20; i += 1) replies.push(await postCallback(port, sample, { ...sample.body, MsgKey: `log_${i}` }));
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      child.kill('SIGTERM');
      const exit = await exited;

      console.log(`log destination on /dev/full: ${replies.filter((r) => r.reply.ActionStatus === 'OK').length}/20 callbacks answered OK, exit ${exit.code}`);
      expect(replies.map((r) => [r.status, r.reply.ActionStatus])).toEqual(Array.from({ length: 20 }, () => [200, 'OK']));
      expect(health.status).toBe(200);
      expect(exit).toEqual({ code: 0, signal: null });
      expect(stderr.match(/log output failed \(ENOSPC\)/g)).toHaveLength(1);
      expect(stderr).not.toMatch(/uncaught|startup failed/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
