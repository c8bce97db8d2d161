import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { launchChromium, pageErrors, seriousViolations } from '../helpers/browser';
import { startConsole, TOKENS } from '../helpers/console';
import { SINK_SECRETS, startFleet } from './fleet-fixture';

const OPERATOR = Object.keys(TOKENS)[0]!;
const VIEWER = Object.keys(TOKENS)[1]!;
/** `UPDATE_SCREENSHOTS=1 npx jest --selectProjects browser` refreshes docs/console/*.png. */
const SHOTS = process.env['UPDATE_SCREENSHOTS'] === '1' ? join(__dirname, '..', '..', 'docs', 'console') : undefined;

let browser: Browser;
let fleet: Awaited<ReturnType<typeof startFleet>>;
let gateway: Awaited<ReturnType<typeof startConsole>>;

beforeAll(async () => {
  fleet = await startFleet();
  gateway = await startConsole(fleet.map((pod, i) => ({ name: `gw-${i}`, url: pod.url })), { grafanaUrl: 'https://grafana.example.com/d/imgw' });
  browser = await launchChromium();
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await gateway?.stop();
  await Promise.all((fleet ?? []).map((pod) => pod.stop()));
});

// A page left open keeps polling the pods (the overview refreshes every second): each test closes its own.
const contexts: BrowserContext[] = [];
async function newPage(viewport = { width: 1280, height: 800 }): Promise<Page> {
  const context = await browser.newContext({ viewport });
  contexts.push(context);
  return context.newPage();
}
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()));
});

async function signedIn(token: string, viewport = { width: 1280, height: 800 }): Promise<{ page: Page; errors: string[] }> {
  const page = await newPage(viewport);
  page.setDefaultTimeout(30_000);
  const errors = pageErrors(page);
  await page.goto(`${gateway.url}/console/`);
  await page.getByLabel('Operator token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  return { page, errors };
}

async function shot(page: Page, name: string): Promise<void> {
  if (SHOTS) await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

describe('console in Chromium', () => {
  test('When a wrong token is given, then sign-in is refused, and after five failures it is rate-limited', async () => {
    // A console of its own: the limit counts per client, and every test here comes from 127.0.0.1.
    const alone = await startConsole([]);
    try {
      const page = await newPage();
      page.setDefaultTimeout(30_000);
      await page.goto(`${alone.url}/console/login`);
      await shot(page, 'login');

      for (let i = 0; i < 5; i += 1) {
        await page.getByLabel('Operator token').fill(`wrong-${i}`);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('alert').filter({ hasText: 'That token is not valid.' }).waitFor();
      }
      await page.getByLabel('Operator token').fill('wrong-again');
      await page.getByRole('button', { name: 'Sign in' }).click();

      await page.getByRole('alert').filter({ hasText: 'Too many failed attempts' }).waitFor();
      expect(await page.context().cookies()).toEqual([]);
    } finally {
      await alone.stop();
    }
  });

  test('When the operator signs in, then the overview shows the three pods merged, charts, the Grafana link, with no script or CSP errors and no serious axe findings', async () => {
    const { page, errors } = await signedIn(OPERATOR);

    await page.getByText('3 pod(s) · 303 events stored').waitFor();
    await page.getByRole('img', { name: /^Callbacks: now/ }).waitFor();

    // The page re-renders every second: wait for the row (exactly one, or waitFor throws) rather than count a moment's DOM.
    await page.getByRole('row', { name: /moderation 12/ }).waitFor();
    expect(await page.getByRole('link', { name: 'Grafana dashboard' }).getAttribute('href')).toBe('https://grafana.example.com/d/imgw');
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await shot(page, 'overview');
  });

  test('When messages are searched, then one row per vendor from the three pods comes newest first, as a person reads it, with sink badges', async () => {
    const { page, errors } = await signedIn(OPERATOR);

    await page.getByRole('link', { name: 'Messages' }).click();
    await page.getByText('3 events, newest first').waitFor();
    await page.getByText('moderation: dead').first().waitFor();

    const pods = await page.locator('#results tbody tr td:nth-child(2)').allTextContents();
    expect(pods).toEqual(['gw-2', 'gw-1', 'gw-0']);
    expect(await page.getByRole('link', { name: 'Location: Office (31.23040, 121.47370)' }).count()).toBe(1);
    expect(await page.getByRole('link', { name: 'Image' }).getAttribute('href')).toBe('https://nos.example.com/p/1.jpg');
    await page.getByText('Did the report reach moderation?').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await shot(page, 'messages');

    await page.getByRole('link', { name: 'Details of event tencent-11' }).click();
    await page.getByRole('heading', { name: 'Vendor body as received' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'event');
  });

  test('When the operator redrives all matching dead letters, then the count is shown first and, once confirmed, each pod gets the change', async () => {
    const { page } = await signedIn(OPERATOR);
    await page.goto(`${gateway.url}/console/#/dead?sink=moderation`);
    await page.getByText('3 dead letters (newest first)').waitFor();
    await shot(page, 'dead-letters');

    await page.getByRole('button', { name: 'Redrive all matching…' }).click();
    await page.getByRole('dialog').getByText('Redrive 3 dead letter(s)?').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Redrive 3' }).click();

    await page.getByText('Redrive: 3 done.').waitFor();
    for (const pod of fleet) {
      const changes = pod.calls.filter((c) => c.method === 'POST' && c.path === '/dead-letters/redrive');
      expect(changes.map((c) => c.body)).toEqual([{ sink: 'moderation', dryRun: true }, { sink: 'moderation' }]);
      expect(changes.every((c) => c.authorization === `Bearer ${OPERATOR}`)).toBe(true);
    }
  });

  test('When a viewer looks at dead letters, then there is no redrive button, and a redrive sent anyway is refused with 403', async () => {
    const { page } = await signedIn(VIEWER);
    await page.goto(`${gateway.url}/console/#/dead`);
    await page.getByText('3 dead letters (newest first)').waitFor();

    const buttons = await page.getByRole('button', { name: /Redrive/ }).count();
    const status = await page.evaluate(async () => {
      const { csrf } = (await (await fetch('api/session')).json()) as { csrf: string };
      const res = await fetch('api/pods/gw-0/dead-letters/redrive', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: '{}' });
      return res.status;
    });

    expect(buttons).toBe(0);
    expect(status).toBe(403);
  });

  test('When a change is sent without the CSRF token, then it is refused and never reaches a pod', async () => {
    const { page } = await signedIn(OPERATOR);
    // Reads go on meanwhile (an open overview polls every pod each second): only a change would be wrong.
    const changes = () => fleet[0]!.calls.filter((c) => c.method !== 'GET');
    const before = changes().length;

    const status = await page.evaluate(async () => (await fetch('api/pods/gw-0/replay', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"since":0}' })).status);

    expect(status).toBe(403);
    expect(changes()).toHaveLength(before);
  });

  test('When a quarantined request is opened, then its head shows the Sign redacted and the body as text and hex', async () => {
    const { page } = await signedIn(OPERATOR);
    await page.getByRole('link', { name: 'Quarantine' }).click();
    await page.getByText('1 quarantined requests (newest first)').waitFor();
    await shot(page, 'quarantine');

    await page.getByRole('link', { name: 'Open quarantined request 4' }).click();
    await page.getByRole('heading', { name: 'Body as hex' }).waitFor();

    const head = await page.getByRole('table', { name: 'Query and headers' }).textContent();
    expect(head).toContain('Sign=%5Bredacted%5D');
    expect(head).not.toContain('9f86d081884c7d65');
    expect(await page.locator('pre.hex').textContent()).toContain('00000000  7b 22 46 72 6f 6d');
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'quarantined');
  });

  test('When the sinks page is opened, then it shows every pod and each sink\'s settings without their secrets', async () => {
    const { page } = await signedIn(OPERATOR);
    await page.getByRole('link', { name: 'Sinks' }).click();
    await page.getByRole('heading', { name: 'Pod gw-2' }).waitFor();
    await page.getByText('Settings of moderation (http) on gw-2').waitFor();
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).toContain('https://moderation.internal/events');
    expect(text).toContain('redis://[redacted]@redis:6379/0');
    for (const secret of SINK_SECRETS) expect(text).not.toContain(secret);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'sinks');
  });

  test('When a replay is previewed, then the count over every pod comes first, in a dialog', async () => {
    const { page } = await signedIn(OPERATOR);
    await page.getByRole('link', { name: 'Replay' }).click();
    await page.getByLabel('From (UTC)').fill('2026-12-05T10:00');
    await page.getByLabel('Sink').fill('web');
    await shot(page, 'replay');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByRole('dialog').getByText('Replay 15 event(s) to web?').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
  });

  test('When an open gap is settled from the Gaps page, then the pod that holds it gets the state and the reason, and a viewer sees no Settle button', async () => {
    const { page, errors } = await signedIn(OPERATOR);
    await page.getByRole('link', { name: 'Gaps' }).click();
    await page.getByText('3 gaps (newest first)').waitFor();
    await shot(page, 'gaps');
    const before = fleet[1]!.calls.length;

    await page.getByRole('button', { name: 'Settle gap 2 on gw-1' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Settle' }).click();
    // A reason is required: nothing is sent without one.
    expect(await dialog.isVisible()).toBe(true);
    await dialog.getByLabel('Settle as').selectOption('unfillable');
    await dialog.getByLabel('Why').fill('no backfill for this outage');
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Settle' }).click();
    await page.getByText('Gap 2 on gw-1 settled as unfillable.').waitFor();

    const settles = fleet[1]!.calls.slice(before).filter((call) => call.method === 'POST');
    expect(settles).toEqual([expect.objectContaining({ path: '/gaps/2/settle', body: { state: 'unfillable', note: 'no backfill for this outage' } })]);
    expect(fleet[0]!.calls.some((call) => call.method === 'POST' && call.path.startsWith('/gaps'))).toBe(false);
    // Settled gaps and gaps of a viewer's session have no button.
    expect(await page.getByRole('button', { name: 'Settle gap 1 on gw-1' }).count()).toBe(0);
    const viewer = await signedIn(VIEWER);
    await viewer.page.getByRole('link', { name: 'Gaps' }).click();
    await viewer.page.getByText('3 gaps (newest first)').waitFor();
    expect(await viewer.page.getByRole('button', { name: /^Settle gap/ }).count()).toBe(0);
    expect(errors).toEqual([]);
  });

  test('When the console is used on a phone (390×844), then nothing overflows sideways and every page link is reachable', async () => {
    const { page, errors } = await signedIn(OPERATOR, { width: 390, height: 844 });
    await page.getByText('3 pod(s)').waitFor();

    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    for (const name of ['Overview', 'Messages', 'Dead letters', 'Quarantine', 'Sinks', 'Replay', 'Gaps']) expect(await page.getByRole('link', { name, exact: true }).isVisible()).toBe(true);

    expect(overflow).toBeLessThanOrEqual(0);
    expect(errors).toEqual([]);
    await shot(page, 'overview-phone');
  });
});
