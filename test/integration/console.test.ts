import request from 'supertest';
import { startConsole, startRecordingPod, TOKENS } from '../helpers/console';

const OPERATOR = Object.keys(TOKENS)[0]!;
const VIEWER = Object.keys(TOKENS)[1]!;

async function signIn(agent: request.Agent, token: string): Promise<string> {
  const res = await agent.post('/console/login').type('form').send({ token }).expect(303);
  expect(res.headers['location']).toBe('./');
  const session = await agent.get('/console/api/session').expect(200);
  return session.body.csrf as string;
}

describe('console sign-in', () => {
  let gateway: Awaited<ReturnType<typeof startConsole>>;
  beforeEach(async () => (gateway = await startConsole([])));
  afterEach(() => gateway.stop());

  test('When nobody is signed in, then pages redirect to the sign-in page, the API answers 401, and the CSP allows nothing inline', async () => {
    const page = await request(gateway.url).get('/console/').set('accept', 'text/html').expect(303);
    const api = await request(gateway.url).get('/console/api/session').set('accept', 'application/json');
    const login = await request(gateway.url).get('/console/login').expect(200);

    expect(page.headers['location']).toBe('/console/login');
    expect(api.status).toBe(401);
    const csp = String(login.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(login.text).not.toMatch(/<script(?![^>]*src=)|style=/);
  });

  test('When the token is right, then the cookie is HttpOnly, SameSite=Strict, scoped and bounded, the sign-in is audited, and the session names the role', async () => {
    const agent = request.agent(gateway.url);

    const res = await agent.post('/console/login').type('form').send({ token: OPERATOR }).expect(303);
    const session = await agent.get('/console/api/session').expect(200);

    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^imgw_console=[\w-]{43}; Path=\/console; Max-Age=28800; HttpOnly; SameSite=Strict$/);
    expect(session.body).toMatchObject({ name: 'alice', role: 'operator' });
    expect(JSON.stringify(session.body)).not.toContain(OPERATOR);
    expect(gateway.audit).toEqual([expect.objectContaining({ actor: 'alice', action: 'console.login' })]);
  });

  test('When wrong tokens are tried five times, then the sixth try is refused with 429 and Retry-After, even with the right token', async () => {
    for (let i = 0; i < 5; i += 1) await request(gateway.url).post('/console/login').type('form').send({ token: `wrong-${i}` }).expect(401);

    const res = await request(gateway.url).post('/console/login').type('form').send({ token: OPERATOR });

    expect(res.status).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(gateway.audit).toHaveLength(0);
  });

  test('When a good sign-in comes between wrong ones, then it does not clear their count: the fifth wrong one still locks the client', async () => {
    for (let i = 0; i < 4; i += 1) await request(gateway.url).post('/console/login').type('form').send({ token: `wrong-${i}` }).expect(401);
    await request(gateway.url).post('/console/login').type('form').send({ token: VIEWER }).expect(303);
    await request(gateway.url).post('/console/login').type('form').send({ token: 'wrong-4' }).expect(401);

    const res = await request(gateway.url).post('/console/login').type('form').send({ token: 'wrong-5' });

    expect(res.status).toBe(429);
  });

  test('When the request came over TLS through a trusted proxy, then the cookie is Secure; a client-sent X-Forwarded-Proto without trust is not believed', async () => {
    const untrusted = await request(gateway.url).post('/console/login').set('x-forwarded-proto', 'https').type('form').send({ token: OPERATOR });
    gateway.app.set('trust proxy', 'loopback');
    const trusted = await request(gateway.url).post('/console/login').set('x-forwarded-proto', 'https').type('form').send({ token: OPERATOR });

    expect(String(untrusted.headers['set-cookie'])).not.toContain('Secure');
    expect(String(trusted.headers['set-cookie'])).toContain('; Secure');
  });

  test('When the operator signs out, then the session no longer works', async () => {
    const agent = request.agent(gateway.url);
    const csrf = await signIn(agent, OPERATOR);

    await agent.post('/console/logout').type('form').send({ csrf }).expect(303);

    await agent.get('/console/api/session').set('accept', 'application/json').expect(401);
    expect(gateway.audit.map((e) => e.action)).toEqual(['console.login', 'console.logout']);
  });
});

describe('console actions through the pod proxy', () => {
  test('When a change comes without the CSRF token, from another origin, or from a viewer, then it is refused and never reaches the pod', async () => {
    const pod = await startRecordingPod({ '/dead-letters/redrive': { count: 3 } });
    const gateway = await startConsole([{ name: 'gw-0', url: pod.url }]);
    try {
      const operator = request.agent(gateway.url);
      const csrf = await signIn(operator, OPERATOR);
      const viewer = request.agent(gateway.url);
      const viewerCsrf = await signIn(viewer, VIEWER);
      const path = '/console/api/pods/gw-0/dead-letters/redrive';

      const missing = await operator.post(path).send({ sink: 'web' });
      const wrong = await operator.post(path).set('x-csrf-token', `${csrf.slice(1)}x`).send({ sink: 'web' });
      const foreign = await operator.post(path).set('x-csrf-token', csrf).set('origin', 'https://evil.example').send({ sink: 'web' });
      const byViewer = await viewer.post(path).set('x-csrf-token', viewerCsrf).send({ sink: 'web' });
      const done = await operator.post(path).set('x-csrf-token', csrf).send({ sink: 'web' });

      expect([missing.status, wrong.status, foreign.status, byViewer.status]).toEqual([403, 403, 403, 403]);
      expect(done.status).toBe(200);
      expect(done.body).toEqual({ count: 3 });
      expect(pod.calls).toEqual([{ method: 'POST', path: '/dead-letters/redrive', authorization: `Bearer ${OPERATOR}`, body: { sink: 'web' } }]);
    } finally {
      await gateway.stop();
      await pod.stop();
    }
  });

  test('When one of two pods is down, then the overview is partial and names it, and the pod that answered is counted', async () => {
    const pod = await startRecordingPod({ '/stats': { events: 4, storedBytes: 10, quarantined: 0, sinks: [{ sink: 'web', pending: 2, dead: 1 }] } });
    const gateway = await startConsole([{ name: 'gw-0', url: pod.url }, { name: 'gw-1', url: 'http://127.0.0.1:9' }]);
    try {
      const agent = request.agent(gateway.url);
      await signIn(agent, VIEWER);

      const res = await agent.get('/console/api/overview').expect(200);

      expect(res.body.partial).toBe(true);
      expect(res.body.pods).toEqual([{ pod: 'gw-0', ok: true, events: 4 }, { pod: 'gw-1', ok: false, error: 'unreachable' }]);
      expect(res.body.sinks).toEqual([{ sink: 'web', pending: 2, dead: 1 }]);
      expect(pod.calls.map((c) => c.authorization)).toEqual([`Bearer ${VIEWER}`, `Bearer ${VIEWER}`]);
    } finally {
      await gateway.stop();
      await pod.stop();
    }
  });

  test('When another console asks for samples, then a valid bearer token is needed', async () => {
    const gateway = await startConsole([]);
    try {
      await gateway.sampler.tick();

      const without = await request(gateway.url).get('/console/samples');
      const withToken = await request(gateway.url).get('/console/samples').set('authorization', `Bearer ${VIEWER}`);

      expect(without.status).toBe(401);
      expect(withToken.body).toEqual([{ at: gateway.clock.now, values: { 'pending|web': 1 } }]);
    } finally {
      await gateway.stop();
    }
  });
});
