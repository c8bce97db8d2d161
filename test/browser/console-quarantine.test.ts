import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from '@playwright/test';
import { launchChromium } from '../helpers/browser';
import { loadFixture } from '../helpers/fixtures';
import { startTestService, tempDataDir } from '../helpers/service';
import { callbackPath } from '../helpers/tencent';
import { until } from '../helpers/wait';
import type { RunningService } from '../../src/service';

const OPERATOR = 'operator-token-0123456789abcdef0123456789abcdef';
const sha = (token: string) => createHash('sha256').update(token).digest('hex');
const tencent = loadFixture('c2c-after-send-official');
// Longer than the first configuration's MAX_BODY_BYTES once decoded, far shorter gzipped.
const TEXT = `Sent through a compressing proxy: ${'the quarterly report is attached. '.repeat(60)}`;

let browser: Browser;
let gateway: RunningService | undefined;
let dataDir: string;
const sinkFile = () => join(dataDir, 'archive.jsonl');

function start(maxBodyBytes: number): Promise<RunningService> {
  const sinks = [{ type: 'file', name: 'archive', path: sinkFile() }];
  return startTestService(dataDir, { sinks }, undefined, { ADMIN_TOKENS: `alice:operator:sha256:${sha(OPERATOR)}`, MAX_BODY_BYTES: String(maxBodyBytes) });
}

beforeAll(async () => {
  dataDir = tempDataDir();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await gateway?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function signIn(url: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  page.setDefaultTimeout(30_000);
  await page.goto(`${url}/console/`);
  await page.getByLabel('Operator token').fill(OPERATOR);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  return page;
}

const archived = () => (existsSync(sinkFile()) ? readFileSync(sinkFile(), 'utf8').split('\n').filter((line) => line.includes('Sent through a compressing proxy')) : []);

async function pendingFor(sink: string): Promise<number | undefined> {
  const stats = (await (await fetch(`${gateway!.adminUrl}/stats`, { headers: { authorization: `Bearer ${OPERATOR}` } })).json()) as { sinks: { sink: string; pending: number }[] };
  return stats.sinks.find((s) => s.sink === sink)?.pending ?? 0;
}

describe('console: quarantine redrive after a configuration fix', () => {
  test('When a signed, gzipped callback was too large once decoded and MAX_BODY_BYTES is then raised, then a redrive from the Quarantine page makes it an event, in Messages and in the file sink exactly once', async () => {
    gateway = await start(1024);
    const body = gzipSync(JSON.stringify({ ...(tencent.body as Record<string, unknown>), MsgKey: 'gzipped-1', MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: TEXT } }] }));
    const path = callbackPath(tencent.query, { requestTime: Math.floor(Date.now() / 1000) });
    const reply = await fetch(`http://127.0.0.1:${gateway.port}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body });
    const answer = (await reply.json()) as { ActionStatus: string; ErrorInfo: string };
    await gateway.stop();
    gateway = await start(1024 * 1024);
    const page = await signIn(gateway.adminUrl);

    await page.getByRole('link', { name: 'Quarantine' }).click();
    await page.getByText('1 quarantined requests (newest first)').waitFor();
    expect(await page.getByRole('cell', { name: 'unsupported_encoding' }).count()).toBe(1);
    await page.getByRole('link', { name: /^Open quarantined request/ }).click();
    await page.getByRole('button', { name: 'Redrive' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Redrive' }).click();
    await page.getByText('Redrive: 1 done.').waitFor();
    await until(async () => {
      await page.goto(`${gateway!.adminUrl}/console/#/messages?t=${Date.now()}`);
      await page.locator('#results table, #results .notice').first().waitFor();
      return (await page.getByText('Sent through a compressing proxy').count()) > 0;
    }, { what: 'the redriven message in the console search' });
    // Delivered and nothing left pending: a second copy would already be in the file.
    await until(async () => archived().length > 0 && (await pendingFor('archive')) === 0, { what: 'the redriven event in the file sink, none pending' });

    expect(answer.ActionStatus).toBe('OK');
    expect(answer.ErrorInfo).toMatch(/^quarantined: body could not be decoded as gzip/);
    expect(await page.getByText('Sent through a compressing proxy').count()).toBe(1);
    expect(archived()).toHaveLength(1);
    expect(archived()[0]).toContain('gzipped-1');
    await page.goto(`${gateway.adminUrl}/console/#/quarantine`);
    await page.getByText('Nothing is quarantined.').waitFor();
  });
});
