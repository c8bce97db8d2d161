import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import pino from 'pino';
import type { Browser, Page } from '@playwright/test';
import { easemobSecurity } from '../../src/vendors/easemob/security';
import { loadConfig } from '../../src/config';
import { startService, type RunningService } from '../../src/service';
import { launchChromium } from '../helpers/browser';
import { loadFixture } from '../helpers/fixtures';
import { freePort } from '../helpers/servers';
import { tempDataDir } from '../helpers/service';
import { callbackPath, TEST_TOKEN } from '../helpers/tencent';
import { until } from '../helpers/wait';
import { startWebhookReceiver } from '../helpers/webhook-receiver';
import { neteaseFixture, signedHeaders, testAppKey, testSecret } from '../unit/vendors/netease/fixtures';

const OPERATOR = 'operator-token-0123456789abcdef0123456789abcdef';
const VIEWER = 'viewer-token-fedcba9876543210fedcba9876543210';
const sha = (token: string) => createHash('sha256').update(token).digest('hex');
const WEBHOOK_SECRET = `whsec_${Buffer.from('console-test-key-0123456789abcdef').toString('base64')}`;
const EASEMOB_SECRET = 'easemob-secret';
const tencent = loadFixture('c2c-after-send-official');

let browser: Browser;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
const gateways: RunningService[] = [];
const dataDirs: string[] = [];

beforeAll(async () => {
  receiver = await startWebhookReceiver(WEBHOOK_SECRET);
  const adminPorts = [await freePort(), await freePort(), await freePort()];
  const peers = adminPorts.map((port, i) => `gw-${i}=http://127.0.0.1:${port}`).join(',');
  for (const adminPort of adminPorts) {
    const dataDir = tempDataDir();
    dataDirs.push(dataDir);
    const config = loadConfig(
      {
        PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, ADMIN_PORT: String(adminPort), CONSOLE_PEERS: peers,
        ADMIN_TOKENS: `alice:operator:sha256:${sha(OPERATOR)}\nvictor:viewer:sha256:${sha(VIEWER)}`,
        TENCENT_SDKAPPIDS: '1400000001', TENCENT_CALLBACK_TOKENS: TEST_TOKEN,
        NETEASE_APP_SECRETS: testSecret, NETEASE_APP_KEY: testAppKey, EASEMOB_CALLBACK_SECRETS: EASEMOB_SECRET, EASEMOB_APPKEY: 'acme#chatapp',
      },
      { sinks: [{ type: 'http', name: 'hook', url: receiver.url, mode: 'single', secret: WEBHOOK_SECRET, maxAttempts: 1, circuitBreaker: { failureThreshold: 0 } }] },
    );
    gateways.push(await startService(config, pino({ level: 'silent' })));
  }
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  for (const gateway of gateways) await gateway.stop();
  await receiver?.destroy();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

const callbackUrl = (i: number, path: string) => `http://127.0.0.1:${gateways[i]!.port}${path}`;

function postTencent(i: number, msgKey: string, text: string) {
  const body = { ...(tencent.body as Record<string, unknown>), MsgKey: msgKey, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: text } }] };
  return fetch(callbackUrl(i, callbackPath(tencent.query, { requestTime: Math.floor(Date.now() / 1000) })), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}
function postNetease(i: number) {
  const body = neteaseFixture('n1-p2p-text').body;
  return fetch(callbackUrl(i, '/netease/callback'), { method: 'POST', headers: signedHeaders(body, String(Date.now())), body });
}
function postEasemob(i: number, text: string) {
  const callId = 'acme#chatapp_6f1c9b2e-4d3a-4b8e-9c7d-2a1b3c4d5e6f';
  const timestamp = Date.now();
  const body = { callId, eventType: 'chat', timestamp, chat_type: 'chat', from: 'erin', to: 'frank', msg_id: `1229384756${timestamp}`, payload: { bodies: [{ msg: text, type: 'txt' }] },
    securityVersion: '1.0.0', security: easemobSecurity(callId, EASEMOB_SECRET, String(timestamp)), appkey: 'acme#chatapp', host: 'msync@ebs' };
  return fetch(callbackUrl(i, '/easemob/callback'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

async function signIn(token: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  page.setDefaultTimeout(30_000);
  await page.goto(`${gateways[0]!.adminUrl}/console/`);
  await page.getByLabel('Operator token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  return page;
}

/** Searches until `text` shows in the results; resolves the time it took. */
async function searchUntilShown(page: Page, text: string): Promise<number> {
  const started = Date.now();
  await until(async () => {
    await page.goto(`${gateways[0]!.adminUrl}/console/#/messages?t=${Date.now()}`);
    await page.locator('#results table, #results .notice').first().waitFor();
    return (await page.getByText(text).count()) > 0;
  }, { timeoutMs: 30_000, what: `${text} in the console's search` });
  return Date.now() - started;
}

describe('console on three real gateways', () => {
  test('When a Tencent, a NetEase and an Easemob message reach three different gateways, then each appears in the console of the first', async () => {
    const page = await signIn(OPERATOR);

    expect((await postTencent(0, 'console-t1', 'Tencent says hello')).status).toBe(200);
    const tencentMs = await searchUntilShown(page, 'Tencent says hello');
    expect((await postNetease(1)).status).toBe(200);
    const neteaseMs = await searchUntilShown(page, '你好, Bob! 明天 10 点开会');
    expect((await postEasemob(2, 'Easemob says hello')).status).toBe(200);
    const easemobMs = await searchUntilShown(page, 'Easemob says hello');

    expect({ tencentMs, neteaseMs, easemobMs }).toEqual({ tencentMs: expect.any(Number), neteaseMs: expect.any(Number), easemobMs: expect.any(Number) });
    // How long each took is printed, not asserted: a timed assertion fails on a busy machine, not on a slow console.
    console.log(`console search found each message after ${tencentMs}, ${neteaseMs} and ${easemobMs} ms`);
    const pods = await page.locator('#results tbody tr td:nth-child(2)').allTextContents();
    expect(new Set(pods)).toEqual(new Set(['gw-0', 'gw-1', 'gw-2']));
    await page.goto(`${gateways[0]!.adminUrl}/console/`);
    await page.getByText('3 pod(s)').waitFor();
    expect(await page.getByText('Partial:').count()).toBe(0);
  });

  test('When the HTTP sink refused events and then recovers, then a bulk redrive from the console delivers each exactly once', async () => {
    receiver.refuseEvents(() => true, 400);
    for (const i of [0, 1, 2]) expect((await postTencent(i, `refused-${i}`, `refused ${i}`)).status).toBe(200);
    const page = await signIn(OPERATOR);
    await until(async () => {
      await page.goto(`${gateways[0]!.adminUrl}/console/#/dead?sink=hook&n=${Date.now()}`);
      await page.locator('h1').waitFor();
      return (await page.getByText('3 dead letters (newest first)').count()) === 1;
    }, { what: 'three dead letters across the fleet' });
    receiver.refuseEvents(() => false);
    const before = receiver.requests.length;

    await page.getByRole('button', { name: 'Redrive all matching…' }).click();
    await page.getByRole('button', { name: 'Redrive 3' }).click();
    await page.getByText('Redrive: 3 done.').waitFor();

    const delivered = () => receiver.requests.slice(before).map((r) => (JSON.parse(r.body) as { id: string }).id);
    await until(() => delivered().length >= 3, { what: 'three deliveries after the redrive' });
    const ids = delivered();
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
  });

  test('When a viewer opens the Sinks page, then each gateway\'s webhook sink shows its settings, and its signing secret appears nowhere', async () => {
    const page = await signIn(VIEWER);
    await page.getByRole('link', { name: 'Sinks' }).click();
    await page.getByText(/^Settings of hook \(http\) on /).first().waitFor();

    const text = (await page.locator('main').textContent()) ?? '';
    const html = await page.content();
    expect(await page.getByText(/^Settings of hook \(http\) on /).count()).toBe(3);
    expect(text).toContain(receiver.url);
    expect(text).toContain('secret[redacted]');
    for (const shown of [text, html]) expect(shown).not.toContain(WEBHOOK_SECRET.slice('whsec_'.length));
  });

  test('When a viewer signs in, then there is no redrive button, and the real admin API refuses a redrive sent anyway with 403', async () => {
    const page = await signIn(VIEWER);
    await page.goto(`${gateways[0]!.adminUrl}/console/#/dead`);
    await page.locator('h1', { hasText: 'Dead letters' }).waitFor();

    const buttons = await page.getByRole('button', { name: /Redrive/ }).count();
    const direct = await fetch(`${gateways[1]!.adminUrl}/dead-letters/redrive`, { method: 'POST', headers: { authorization: `Bearer ${VIEWER}`, 'content-type': 'application/json' }, body: '{}' });

    expect(buttons).toBe(0);
    expect(direct.status).toBe(403);
  });
});
