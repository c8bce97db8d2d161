import fc from 'fast-check';
import request from 'supertest';
import { buildTestApp, type TestApp } from '../helpers/app';
import { neteaseFixtures, signedHeaders, testAppKey, testSecret } from '../unit/vendors/netease/fixtures';
import { nextTurn } from '../helpers/wait';

const fixtures = neteaseFixtures().filter((f) => f.body.length > 2);
const headerNames = ['appkey', 'curtime', 'md5', 'checksum', 'content-type', 'type', 'x'];
const json = (fixture: (typeof fixtures)[number]) => JSON.parse(fixture.body.toString('utf8')) as Record<string, unknown>;

/** Bodies: fixtures, fixtures with one field replaced by anything, any JSON, any bytes, truncations. */
const bodyArb = fc.oneof(
  fc.constantFrom(...fixtures).map((f) => f.body),
  fc.tuple(fc.constantFrom(...fixtures), fc.nat(), fc.jsonValue()).map(([f, pick, value]) => {
    const body = json(f);
    const keys = Object.keys(body);
    return Buffer.from(JSON.stringify({ ...body, [keys[pick % keys.length]!]: value }));
  }),
  fc.tuple(fc.constantFrom(...fixtures), fc.string({ maxLength: 30 }), fc.jsonValue()).map(([f, key, value]) => Buffer.from(JSON.stringify({ ...json(f), [key]: value }))),
  fc.tuple(fc.constantFrom('attach', 'ext', 'body', 'objects', 'tMembers'), fc.jsonValue()).map(([key, value]) => Buffer.from(JSON.stringify({ ...json(fixtures[0]!), eventType: '1', [key]: JSON.stringify(value) }))),
  fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value) ?? '')),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
  fc.tuple(fc.constantFrom(...fixtures), fc.nat()).map(([f, cut]) => f.body.subarray(0, cut % f.body.length)),
);

/** Heads: correctly signed, signed then one header changed, signed with a wrong secret, free-form garbage. */
const headArb = (body: Buffer) =>
  fc.oneof(
    fc.constant(signedHeaders(body)),
    fc.constant(signedHeaders(body, '1718000000123', testSecret, undefined)),
    fc.tuple(fc.constantFrom(...headerNames), fc.option(fc.string({ maxLength: 60 }))).map(([name, value]) => ({ ...signedHeaders(body), [name]: value ?? undefined })),
    fc.constant(signedHeaders(body, '1718000000123', 'not-the-secret')),
    fc.dictionary(fc.constantFrom(...headerNames), fc.string({ maxLength: 60 })),
  );

const requestArb = bodyArb.chain((body) => fc.tuple(fc.constant(body), headArb(body), fc.constantFrom(...Array<string>(18).fill('POST'), 'GET', 'PUT')));

describe('POST /netease/callback › any input', () => {
  let t: TestApp;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeAll(() => {
    process.on('unhandledRejection', onUnhandled);
    t = buildTestApp({ env: { NETEASE_APP_SECRETS: testSecret, NETEASE_APP_KEY: testAppKey } });
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await t.close();
  });

  test('When 1,000 random and malformed bodies and heads arrive, then every reply is a NetEase JSON reply and never a 5xx', async () => {
    const statuses = new Map<number, number>();

    await fc.assert(
      fc.asyncProperty(requestArb, async ([body, headers, method]) => {
        let req = method === 'GET' ? request(t.app).get('/netease/callback') : request(t.app)[method === 'PUT' ? 'put' : 'post']('/netease/callback');
        for (const [name, value] of Object.entries(headers)) if (value !== undefined && /^[\t\x20-\x7e]*$/.test(value)) req = req.set(name, value);
        const res = await (method === 'GET' ? req : req.serialize((raw: unknown) => raw as string).send(body));

        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        expect([200, 401, 403, 405]).toContain(res.status);
        expect(res.headers['content-type']).toMatch(/application\/json/);
        expect(res.body.code).toBe(res.status);
        expect(['accepted', 'duplicate', 'ignored', 'quarantined', 'failed']).toContain(res.body.outcome);
        expect(JSON.stringify(res.body)).not.toContain(testSecret);
      }),
      { numRuns: 1000 },
    );
    // Rejections nobody handled are reported once the microtasks of the last request have run.
    await nextTurn();

    expect(unhandled).toEqual([]);
    expect(statuses.get(200)).toBeGreaterThan(100);
    expect(statuses.get(401)).toBeGreaterThan(50);
    expect(statuses.get(405)).toBeGreaterThan(10);
    expect(statuses.get(403)).toBeGreaterThan(0);
  }, 120_000);
});
