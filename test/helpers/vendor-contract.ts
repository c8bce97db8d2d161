import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudEvent } from 'cloudevents';
import type { z } from 'zod';
import { commonAttributeNames } from '../../src/events/attributes';
import { eventToJson, type Event } from '../../src/events/event';
import { neutralMessageSchema } from '../../src/events/message';
import { CallbackError, failureReasons, type FailureReason } from '../../src/errors';
import type { CallbackHead, Intake, Outcome, StoredHead, Vendor } from '../../src/vendors/vendor';

/** One signed request as the vendor sends it: the exact body bytes and the head they verify with. */
export interface ContractFixture {
  readonly name: string;
  readonly head: CallbackHead;
  readonly body: Buffer;
  /** The clock when the request is checked (signature windows). */
  readonly nowMs: number;
  /** What the authenticated body becomes. */
  readonly expect: { readonly kind: 'event' | 'ignored'; readonly label?: string };
}

export interface VendorUnderTest {
  /** Configured with the secrets the fixtures are signed with. */
  readonly vendor: Vendor;
  /** The same vendor configured with a secret the fixtures are not signed with. */
  readonly wrongSecret: Vendor;
  /** Every configured secret: none may appear in a stored head or a reply. */
  readonly secrets: readonly string[];
  /** A request that authenticates `body` (odd bodies must reach `toEvent`). */
  sign(body: Buffer): Omit<ContractFixture, 'name' | 'expect'>;
  /** The vendor's reply body format, for every outcome. */
  readonly replySchema: z.ZodType;
  /** The vendor never answers a body as `ignored` (it has no probe and keeps relayed messages as events). */
  readonly neverIgnores?: boolean;
}

/** Bodies a vendor must survive once authenticated: never an uncaught error, never an event. */
export function oddBodies(sample: Buffer): [string, Buffer][] {
  const big = 1024 * 1024;
  return [
    ['null', Buffer.from('null')],
    ['an empty array', Buffer.from('[]')],
    ['a JSON string', Buffer.from('"x"')],
    ['a number', Buffer.from('12345678901234567890')],
    ['the fixture truncated', sample.subarray(0, Math.max(1, Math.floor(sample.length / 2)))],
    ['invalid UTF-8', Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')])],
    ['deep nesting', Buffer.from('['.repeat(big / 2) + ']'.repeat(big / 2))],
    ['deep object nesting', Buffer.from('{"a":'.repeat(big / 10) + '1' + '}'.repeat(big / 10))],
    ['a huge array', Buffer.from(`[${'1,'.repeat(big / 2 - 1)}1]`)],
    ['an object with a huge array', Buffer.from(`{"eventType":"11","CallbackCommand":"x","objects":[${'{},'.repeat(big / 3 - 2)}{}]}`)],
    ['an object with very many keys', Buffer.from(`{${Array.from({ length: 50_000 }, (_, i) => `"k${i}":${i}`).join(',')}}`)],
    ['whitespace only', Buffer.from(' \n\t '.repeat(1000))],
    ['binary', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))],
  ];
}

/** Every outcome a vendor must render. */
export function allOutcomes(): Outcome[] {
  return [
    { kind: 'accepted' },
    { kind: 'duplicate' },
    { kind: 'ignored' },
    { kind: 'quarantined', detail: 'body failed validation' },
    ...(Object.keys(failureReasons) as FailureReason[]).map((reason): Outcome => {
      const entry = failureReasons[reason] as { info: string; retryAfterSeconds?: number };
      return { kind: 'failed', reason, info: entry.info, retryAfterSeconds: entry.retryAfterSeconds };
    }),
  ];
}

/**
 * The one compliance suite every vendor passes (the twin of `describeSinkContract`): signed fixtures
 * authenticate and give stable ids and valid CloudEvents (the `cloudevents` package is the oracle); one
 * changed byte or a wrong secret is refused; odd bodies never escape as errors; replies keep the vendor's
 * format for every outcome; labels stay in a closed set; quarantine heads hold no secret and redrive to
 * the same event.
 */
export function describeVendorContract(vendorFactory: () => VendorUnderTest, fixtures: readonly ContractFixture[]): void {
  const t = vendorFactory();
  describe(`${t.vendor.name} › vendor contract`, () => {
    test('When the contract starts, then there are fixtures of both kinds and a valid name', () => {
      expect(t.vendor.name).toMatch(/^[a-z][a-z0-9]{1,19}$/);
      expect(fixtures.some((f) => f.expect.kind === 'event')).toBe(true);
      expect(fixtures.some((f) => f.expect.kind === 'ignored')).toBe(t.neverIgnores !== true);
    });

    describe.each(fixtures.map((f) => [f.name, f] as const))('fixture %s', (_name, fixture) => {
      test('When it is authenticated and mapped, then it gives what it should, with a label in the closed set', () => {
        expect(() => t.vendor.authenticate(fixture.head, bodyFor(t.vendor, fixture.body), fixture.nowMs)).not.toThrow();

        const intake = t.vendor.toEvent(fixture.head, fixture.body, fixture.nowMs);

        expect({ kind: intake.kind, detail: intake.kind === 'invalid' ? intake.detail : undefined }).toEqual({ kind: fixture.expect.kind, detail: undefined });
        expect(t.vendor.labels).toContain(intake.label);
        if (fixture.expect.label !== undefined) expect(intake.label).toBe(fixture.expect.label);
        expect(t.vendor.labels).toContain(t.vendor.label(fixture.head));
      });

      test('When it is mapped twice, by two instances, then the id is the same', () => {
        const again = vendorFactory().vendor;

        expect(idOf(again.toEvent(fixture.head, fixture.body, fixture.nowMs))).toBe(idOf(t.vendor.toEvent(fixture.head, fixture.body, fixture.nowMs)));
      });

      test('When the event is read with the cloudevents package, then it is a valid CloudEvent whose data is the body as received', () => {
        const intake = t.vendor.toEvent(fixture.head, fixture.body, fixture.nowMs);
        if (intake.kind !== 'event') return expect(intake.kind).toBe(fixture.expect.kind);

        expectValidCloudEvent(intake.event, fixture.body, t.vendor.name);
        expect(intake.facts.msgTypes.length).toBeLessThanOrEqual(1000);
      });

      test('When one byte of what the signature covers changes, then the request is refused', () => {
        for (const tampered of tamperedCopies(t.vendor, fixture)) {
          const reason = authFailure(() => t.vendor.authenticate(tampered.head, bodyFor(t.vendor, tampered.body), fixture.nowMs));
          expect(tampered.body === fixture.body ? ['auth_failed', 'app_not_allowed'] : ['auth_failed']).toContain(reason);
        }
      });

      test('When the vendor is configured with a wrong secret, then the request is refused', () => {
        expect(authFailure(() => t.wrongSecret.authenticate(fixture.head, bodyFor(t.vendor, fixture.body), fixture.nowMs))).toBe('auth_failed');
      });

      test('When the head is kept for quarantine, then it holds no secret and redrives to the same result', () => {
        const stored = t.vendor.storedHead(fixture.head);
        const text = JSON.stringify(stored);

        for (const secret of t.secrets) expect(text).not.toContain(secret);
        expect(summary(t.vendor.toEvent(headOf(stored), fixture.body, fixture.nowMs))).toEqual(summary(t.vendor.toEvent(fixture.head, fixture.body, fixture.nowMs)));
      });
    });

    test.each(oddBodies(fixtures[0]!.body))('When an authenticated body is %s, then it becomes invalid or ignored, never an error or an event', (_name, body) => {
      const request = t.sign(body);

      let intake: Intake | undefined;
      try {
        t.vendor.authenticate(request.head, bodyFor(t.vendor, body), request.nowMs);
        intake = t.vendor.toEvent(request.head, body, request.nowMs);
      } catch (error) {
        expect(error).toBeInstanceOf(CallbackError);
        return;
      }
      expect(['invalid', 'ignored']).toContain(intake.kind);
      expect(t.vendor.labels).toContain(intake.label);
      if (intake.kind === 'invalid') expect(intake.detail.length).toBeLessThanOrEqual(2000);
    });

    test.each(allOutcomes().map((o) => [o.kind === 'failed' ? o.reason : o.kind, o] as const))('When the outcome is %s, then the reply is in the vendor format', (_name, outcome) => {
      for (const head of [undefined, fixtures[0]!.head]) {
        const reply = t.vendor.reply(outcome, head);

        expect(t.replySchema.safeParse(reply.body).error).toBeUndefined();
        expect(Number.isInteger(reply.status) && reply.status >= 200 && reply.status <= 599).toBe(true);
        if (outcome.kind !== 'failed') expect(reply.status).toBe(200);
        if (outcome.kind === 'failed' && head === undefined) expect(reply.status).toBe(failureReasons[outcome.reason].httpStatus);
        for (const secret of t.secrets) expect(JSON.stringify(reply)).not.toContain(secret);
      }
    });

    test('When the labels are listed, then they are a small closed set of short distinct names', () => {
      expect(new Set(t.vendor.labels).size).toBe(t.vendor.labels.length);
      expect(t.vendor.labels.length).toBeLessThanOrEqual(200);
      for (const label of t.vendor.labels) expect(label).toMatch(/^[A-Za-z0-9_.]{1,64}$/);
    });
  });
}

/** Asserts an event is a valid CloudEvent (the `cloudevents` package, strict) with the common attributes. */
export function expectValidCloudEvent(event: Event, body: Buffer, vendorName: string): void {
  const { attributes } = event;
  expect(() => new CloudEvent({ ...attributes, data: JSON.parse(event.data) as unknown }, true)).not.toThrow();
  expect(JSON.parse(eventToJson(event))).toEqual({ ...attributes, data: JSON.parse(body.toString('utf8')) });
  expect(event.data).toBe(body.toString('utf8'));
  expect(attributes.id).toMatch(/^[\x21-\x7e]{1,128}$/);
  expect(attributes.vendor).toBe(vendorName);
  expect(typeof attributes.command).toBe('string');
  expect(attributes.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
  expect(Number.isNaN(Date.parse(attributes.time))).toBe(false);
  for (const [name, value] of Object.entries(attributes)) {
    expect(name).toMatch(/^[a-z0-9]{1,20}$/);
    const common = (commonAttributeNames as readonly string[]).includes(name);
    const allowed = typeof value === 'string' || typeof value === 'boolean' || (!common && Number.isInteger(value) && Math.abs(value as number) < 2 ** 31);
    expect({ name, allowed }).toEqual({ name, allowed: true });
  }
  if (event.message !== undefined) {
    const message = neutralMessageSchema.parse(JSON.parse(event.message));
    expect(message).toMatchObject({ vendor: vendorName, eventId: attributes.id });
  }
}

/** Raw-byte fixtures: `<name>.body` (exact bytes, no trailing newline) beside `<name>.json` ({provenance, headers, expect}). */
export function loadRawFixtures(dir: string, nowMs: (headers: Record<string, string>) => number): (ContractFixture & { provenance: string })[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      const name = file.replace(/\.json$/, '');
      const meta = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { provenance: string; headers: Record<string, string>; query?: string; expect: ContractFixture['expect'] };
      const headers = Object.fromEntries(Object.entries(meta.headers).map(([key, value]) => [key.toLowerCase(), value]));
      return { name, provenance: meta.provenance, head: { query: new URLSearchParams(meta.query ?? ''), headers }, body: readFileSync(join(dir, `${name}.body`)), nowMs: nowMs(headers), expect: meta.expect };
    });
}

function bodyFor(vendor: Vendor, body: Buffer): Buffer | undefined {
  return vendor.authenticates === 'body' ? body : undefined;
}

/** Copies with one byte changed in each signature-like value (hex of 32+ digits) and, where signed, in the body. */
function tamperedCopies(vendor: Vendor, fixture: ContractFixture): { head: CallbackHead; body: Buffer }[] {
  const flip = (value: string) => value.slice(0, -1) + (value.endsWith('0') ? '1' : '0');
  const signature = (value: string | undefined) => value !== undefined && /^[0-9a-fA-F]{32,}$/.test(value);
  const copies: { head: CallbackHead; body: Buffer }[] = [];
  for (const [name, value] of Object.entries(fixture.head.headers)) {
    if (signature(value)) copies.push({ head: { ...fixture.head, headers: { ...fixture.head.headers, [name]: flip(value!) } }, body: fixture.body });
  }
  for (const [name, value] of fixture.head.query) {
    if (!signature(value)) continue;
    const query = new URLSearchParams(fixture.head.query);
    query.set(name, flip(value));
    copies.push({ head: { ...fixture.head, query }, body: fixture.body });
  }
  if (vendor.authenticates === 'body' && fixture.body.length > 0) {
    const body = Buffer.from(fixture.body);
    body[body.length - 1] = body[body.length - 1]! ^ 0x01;
    copies.push({ head: fixture.head, body });
  }
  expect(copies.length).toBeGreaterThan(0);
  return copies;
}

function authFailure(run: () => void): string {
  try {
    run();
  } catch (error) {
    return error instanceof CallbackError ? error.reason : `not a CallbackError: ${String(error)}`;
  }
  return 'accepted';
}

function idOf(intake: Intake): string {
  return intake.kind === 'event' ? intake.event.attributes.id : intake.kind;
}

function summary(intake: Intake): unknown {
  return intake.kind === 'event' ? { kind: 'event', id: intake.event.attributes.id, data: intake.event.data } : intake;
}

function headOf(stored: StoredHead): CallbackHead {
  return { query: new URLSearchParams(stored.query ?? ''), headers: { ...stored.headers } };
}
