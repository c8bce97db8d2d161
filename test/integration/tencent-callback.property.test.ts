import fc from 'fast-check';
import request from 'supertest';
import { buildTestApp, type TestApp } from '../helpers/app';
import { allFixtures } from '../helpers/fixtures';
import { callbackPath } from '../helpers/tencent';
import { nextTurn } from '../helpers/wait';

const fixtures = allFixtures();
const paramNames = ['SdkAppid', 'sdkappid', 'CallbackCommand', 'contenttype', 'ClientIP', 'OptPlatform', 'Sign', 'RequestTime', 'x'];

/** Queries: valid signed ones, signed ones with a field changed, and free-form garbage. */
const queryArb = fc.oneof(
  fc.constantFrom(...fixtures).map((f) => callbackPath(f.query)),
  fc.tuple(fc.constantFrom(...fixtures), fc.constantFrom(...paramNames), fc.string()).map(([f, key, value]) => {
    const params = new URLSearchParams(callbackPath(f.query).split('?')[1]);
    params.set(key, value);
    return `/tencent/callback?${params}`;
  }),
  fc.dictionary(fc.constantFrom(...paramNames), fc.string({ maxLength: 80 })).map((q) => `/tencent/callback?${new URLSearchParams(q)}`),
  fc.string({ maxLength: 200 }).map((raw) => `/tencent/callback?${encodeURI(raw)}`),
);

/** Bodies: fixtures, fixtures with one field replaced by anything, any JSON, any bytes, truncations. */
const bodyArb = fc.oneof(
  fc.constantFrom(...fixtures).map((f) => Buffer.from(JSON.stringify(f.body))),
  fc
    .tuple(fc.constantFrom(...fixtures), fc.string({ maxLength: 20 }), fc.jsonValue())
    .map(([f, key, value]) => {
      const keys = Object.keys(f.body);
      const field = keys[key.length % keys.length]!;
      return Buffer.from(JSON.stringify({ ...f.body, [field]: value }));
    }),
  fc.tuple(fc.constantFrom(...fixtures), fc.jsonValue()).map(([f, value]) => Buffer.from(JSON.stringify({ ...f.body, MsgBody: [value] }))),
  fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value) ?? '')),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
  fc.tuple(fc.constantFrom(...fixtures), fc.nat()).map(([f, cut]) => {
    const text = JSON.stringify(f.body);
    return Buffer.from(text.slice(0, cut % text.length));
  }),
);

describe('POST /tencent/callback › any input', () => {
  let t: TestApp;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeAll(() => {
    process.on('unhandledRejection', onUnhandled);
    t = buildTestApp();
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await t.close();
  });

  test('When 1,000 random and malformed queries and bodies arrive, then every reply is a Tencent reply and never a 5xx', async () => {
    const statuses = new Map<number, number>();

    await fc.assert(
      fc.asyncProperty(queryArb, bodyArb, fc.constantFrom(...Array<string>(18).fill('POST'), 'GET', 'PUT'), async (path, body, method) => {
        const req = method === 'GET' ? request(t.app).get(path) : request(t.app)[method === 'PUT' ? 'put' : 'post'](path).set('Content-Type', 'application/octet-stream').send(body);
        const res = await req;

        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        expect([200, 400, 401, 403, 405]).toContain(res.status);
        expect(['OK', 'FAIL']).toContain(res.body.ActionStatus);
        expect(typeof res.body.ErrorInfo).toBe('string');
        expect(res.body.ErrorInfo).not.toContain('s3cr3t-Token_ABC');
      }),
      { numRuns: 1000 },
    );
    // Rejections nobody handled are reported once the microtasks of the last request have run.
    await nextTurn();

    expect(unhandled).toEqual([]);
    expect(statuses.get(200)).toBeGreaterThan(100);
    expect(statuses.get(401)).toBeGreaterThan(10);
    expect(statuses.get(400)).toBeGreaterThan(10);
    expect(statuses.get(405)).toBeGreaterThan(10);
    // A thousand requests through supertest: about 10 s on an idle machine, past 30 s on a busy one.
  }, 120_000);
});
