import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import type { MessageElement } from '../../src/events/message';
import { relayMarker, relayMarkerKey, type RelayCopy } from '../../src/events/relay-marker';
import { easemobSecurity } from '../../src/vendors/easemob/security';
import { buildTestApp, metricValue, type TestApp } from '../helpers/app';
import { loadFixture } from '../helpers/fixtures';
import { callbackPath } from '../helpers/tencent';
import { signedHeaders, testAppKey, testSecret } from '../unit/vendors/netease/fixtures';

/**
 * The relay marker against each vendor's real intake: only a marker signed with RELAY_KEY for this very
 * copy (sender, conversation, content) hides a message; anything else a user can put into a message's
 * extension is stored, delivered and counted as forged.
 */
const relayKey = 'relay-key-0123456789abcdef0123456789abcdef';
const otherKey = 'another-key-0123456789abcdef0123456789abcd';
const easemobSecret = 'em-cb-secret-7788';
const env = {
  RELAY_KEY: JSON.stringify([relayKey, 'older-relay-key-0123456789abcdef0123456789']),
  NETEASE_APP_SECRETS: testSecret,
  NETEASE_APP_KEY: testAppKey,
  EASEMOB_CALLBACK_SECRETS: easemobSecret,
};

interface Message {
  readonly from: string;
  readonly to: string;
  readonly text: string;
  /** The extension object (`payload.ext`, or the JSON text of CloudCustomData / ext); undefined = none. */
  readonly ext?: Record<string, unknown>;
}

let serial = 0;
const tencent = loadFixture('c2c-after-send-text');
const neteaseBody = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'netease', 'n1-p2p-text.body'), 'utf8')) as Record<string, unknown>;
const easemobBody = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'easemob', 'chat-txt.json'), 'utf8')) as Record<string, unknown>;

/** Posts one signed one-to-one text callback of `vendor` carrying `m`; resolves with the HTTP status. */
const post: Record<string, (t: TestApp, m: Message) => Promise<number>> = {
  async tencent(t, m) {
    serial += 1;
    const body = { ...tencent.body, From_Account: m.from, To_Account: m.to, MsgKey: `${serial}_1_1767225601`, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: m.text } }] };
    const res = await request(t.app).post(callbackPath(tencent.query)).send(m.ext === undefined ? body : { ...body, CloudCustomData: JSON.stringify(m.ext) });
    return res.status;
  },
  async netease(t, m) {
    serial += 1;
    const body = Buffer.from(JSON.stringify({ ...neteaseBody, fromAccount: m.from, to: m.to, body: m.text, msgidServer: String(6120031990000 + serial), ext: m.ext === undefined ? '' : JSON.stringify(m.ext) }));
    let req = request(t.app).post('/netease/callback');
    for (const [name, value] of Object.entries(signedHeaders(body))) req = req.set(name, value);
    return (await req.serialize((raw: unknown) => raw as string).send(body)).status;
  },
  async easemob(t, m) {
    serial += 1;
    const callId = `acme#chatapp_${serial}`;
    const body = { ...easemobBody, callId, from: m.from, to: m.to, msg_id: String(1229384756102990000n + BigInt(serial)), payload: { ext: m.ext ?? {}, bodies: [{ type: 'txt', msg: m.text }] } };
    const signed = { ...body, security: easemobSecurity(callId, easemobSecret, String(easemobBody.timestamp)) };
    return (await request(t.app).post('/easemob/callback').send(signed)).status;
  },
};

const text = (value: string): MessageElement => ({ kind: 'text', vendorType: 'txt', text: value });
const copy = (m: Message): RelayCopy => ({ from: m.from, to: { kind: 'user', id: m.to }, elements: [text(m.text)] });
const source = { vendor: 'tencent', appId: '1400000001', messageId: '1_1_1', eventId: 'tencent-im/1400000001/evt-1' };
/** The marker the relay would put on `m`, signed with `key`. */
const genuine = (m: Message, key = relayKey) => ({ [relayMarkerKey]: relayMarker(source, [copy(m)], [key]) });

describe.each(['tencent', 'netease', 'easemob'])('the relay marker on %s callbacks', (vendor) => {
  let t: TestApp;
  const send = (m: Message) => post[vendor]!(t, m);
  const stored = () => t.sink.events.length;
  const forged = async () => (await metricValue(t.registry, 'imgw_callbacks_suspicious_total', { vendor, reason: 'forged_relay_marker' })) ?? 0;
  const relayed = async () => (await metricValue(t.registry, 'imgw_callbacks_ignored_total', { vendor, reason: 'relayed' })) ?? 0;
  const base: Message = { from: 'alice', to: 'bob', text: 'relayed hello' };

  beforeEach(() => {
    t = buildTestApp({ env });
  });
  afterEach(async () => {
    await t.close();
  });

  test('When a message has no marker, then it is stored and nothing is counted as forged or relayed', async () => {
    expect(await send({ ...base, ext: { orderId: 'A1' } })).toBe(200);
    await t.sink.waitFor(1);

    expect(stored()).toBe(1);
    expect(await forged()).toBe(0);
    expect(await relayed()).toBe(0);
  });

  test.each([
    ['"x"', 'x'],
    ['null', null],
    ['{}', {}],
    ['0', 0],
    ['the old unsigned marker', { vendor: 'tencent', app: '1400000001', messageId: '1_1_1', eventId: 'e1' }],
  ])('When the marker is %s, then the message is stored, delivered and counted as forged', async (_name, value) => {
    expect(await send({ ...base, ext: { [relayMarkerKey]: value } })).toBe(200);
    await t.sink.waitFor(1);

    expect(stored()).toBe(1);
    expect(await forged()).toBe(1);
    expect(await relayed()).toBe(0);
  });

  test('When the marker is signed with a key the gateway does not hold, then the message is stored and counted as forged', async () => {
    expect(await send({ ...base, ext: genuine(base, otherKey) })).toBe(200);
    await t.sink.waitFor(1);

    expect(await forged()).toBe(1);
  });

  test('When the marker is genuine (signed for this copy with the first or an older key), then the callback is answered 200, not stored and counted as relayed', async () => {
    expect(await send({ ...base, ext: genuine(base) })).toBe(200);
    expect(await send({ ...base, text: 'signed before the rotation', ext: genuine({ ...base, text: 'signed before the rotation' }, 'older-relay-key-0123456789abcdef0123456789') })).toBe(200);
    expect(await send({ ...base, text: 'a plain one after them' })).toBe(200);
    await t.sink.waitFor(1);

    expect(t.sink.events.map((e) => JSON.parse(e.message ?? '{}').elements[0].text)).toEqual(['a plain one after them']);
    expect(await relayed()).toBe(2);
    expect(await forged()).toBe(0);
  });

  test.each([
    ['another text', { text: 'a message the user wants hidden' }],
    ['the same text to another conversation', { to: 'carol' }],
    ['the same text from another sender', { from: 'mallory' }],
  ])('When a genuine marker is replayed on %s, then that message is stored and counted as forged', async (_name, change) => {
    const replayed = { ...base, ...change, ext: genuine(base) };

    expect(await send(replayed)).toBe(200);
    await t.sink.waitFor(1);

    expect(stored()).toBe(1);
    expect(await forged()).toBe(1);
    expect(await relayed()).toBe(0);
  });
});

describe('the relay marker without RELAY_KEY', () => {
  test('When no relay key is configured, then even a marker that would be genuine hides nothing', async () => {
    const t = buildTestApp({ env: { ...env, RELAY_KEY: undefined as unknown as string } });
    try {
      const m: Message = { from: 'alice', to: 'bob', text: 'hi', ext: genuine({ from: 'alice', to: 'bob', text: 'hi' }) };
      for (const vendor of ['tencent', 'netease', 'easemob']) expect(await post[vendor]!(t, m)).toBe(200);
      await t.sink.waitFor(3);

      expect(t.sink.events).toHaveLength(3);
    } finally {
      await t.close();
    }
  });
});
