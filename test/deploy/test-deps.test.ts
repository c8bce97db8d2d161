// `npm test` first checks that the test servers and tools are installed, and names the script that
// installs them when they are not (scripts/install-test-deps.sh --check).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const check = (env: Record<string, string>) =>
  spawnSync('/bin/bash', ['scripts/install-test-deps.sh', '--check'], { timeout: 300_000, env, encoding: 'utf8' });

test('When the test servers are missing, then the check fails at once with one line naming the install script', () => {
  const result = check({ ROOT: '/nonexistent', PATH: '/nonexistent' });
  expect(result.status).toBe(1);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^missing test servers and tools \(.*nats-server.*nginx.*chromium\): install them with: sudo bash scripts\/install-test-deps.sh$/);
});

test('When they are installed (as here), then the check passes silently', () => {
  const result = check({ PATH: process.env.PATH ?? '' });
  expect(result).toMatchObject({ status: 0, stdout: '', stderr: '' });
});

test('npm test runs the check before anything else', () => {
  const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
  expect(scripts.test).toMatch(/^bash scripts\/install-test-deps.sh --check && /);
});
