import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event } from '../../../../src/events/event';
import type { MessageElement, NeutralMessage } from '../../../../src/events/message';
import { relayMarker, relayMarkerKey, verifyRelayMarker } from '../../../../src/events/relay-marker';
import { createEasemobSink, easemobSinkConfig } from '../../../../src/sinks/relay/easemob/sink';
import { BatchError, PermanentSinkError, RetryLaterError, type Sink } from '../../../../src/sinks/sink';
import { startEasemobStandin, type EasemobStandin } from '../../../helpers/easemob-standin';
import { until } from '../../../helpers/wait';

let serial = 0;
function messageEvent(overrides: Partial<NeutralMessage> = {}): Event {
  serial += 1;
  const message: NeutralMessage = {
    version: 1,
    vendor: 'tencent',
    appId: '1400000001',
    eventId: `evt-${process.pid}-${serial}`,
    messageId: `${serial}_1_1767225601`,
    conversation: 'one-to-one',
    from: 'alice',
    to: 'bob',
    sentAt: '2026-01-01T00:00:01.000Z',
    elements: [{ kind: 'text', vendorType: 'TIMTextElem', text: 'hello' }],
    ...overrides,
  };
  const attributes = { specversion: '1.0' as const, id: message.eventId, source: 'tencent-im/1400000001', type: 'com.tencent.im.C2C.CallbackAfterSendMsg', time: message.sentAt, datacontenttype: 'application/json' as const };
  return { attributes, data: '{}', message: JSON.stringify(message) };
}
const withElements = (...elements: MessageElement[]) => messageEvent({ elements });
const relayKeys = ['sink-test-relay-key-0123456789abcdef0123456789'];
/** The marker a send of `event` carries: the source's keys and one MAC per recipient. */
const marker = (event: Event, recipients = 1) => {
  const m = JSON.parse(event.message!) as NeutralMessage;
  const mac = Array.from({ length: recipients }, () => expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) as unknown as string);
  return { imgw_relay: { vendor: m.vendor, app: m.appId, messageId: m.messageId, eventId: m.eventId, mac } };
};
/** Whether a txt send's marker verifies for each of its recipients, as Easemob's callback will show it. */
const verifiesForEach = (r: Record<string, unknown>) =>
  (r.to as string[]).every(
    (id) =>
      verifyRelayMarker((r.ext as Record<string, unknown>).imgw_relay, { from: (r.from as string | undefined) ?? 'admin', to: { kind: r.endpoint === 'users' ? 'user' : 'group', id }, elements: [{ kind: 'text', vendorType: 'txt', text: (r.body as { msg: string }).msg }] }, relayKeys) === 'ours',
  );
const signal = () => AbortSignal.timeout(10_000);

describe('easemob relay sink against the stand-in', () => {
  let standin: EasemobStandin;
  let dataDir: string;
  const sinks: Sink[] = [];

  beforeEach(async () => {
    standin = await startEasemobStandin();
    dataDir = mkdtempSync(join(tmpdir(), 'imgw-easemob-sink-'));
  });
  afterEach(async () => {
    await Promise.all(sinks.splice(0).map((s) => s.close()));
    await standin.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function sink(settings: Record<string, unknown> = {}): Promise<Sink> {
    const config = easemobSinkConfig.parse({
      type: 'easemob',
      baseUrl: standin.url,
      appKey: standin.appKey,
      clientId: standin.clientId,
      clientSecret: standin.clientSecret,
      targets: { users: { mode: 'same' } },
      ...settings,
    });
    const built = await createEasemobSink(config, { dataDir, relayKeys });
    sinks.push(built);
    return built;
  }
  const sent = () => standin.accepted.map((a) => ({ endpoint: a.endpoint, ...a.request }) as Record<string, unknown>);
  const failureOf = async (promise: Promise<void>) => {
    const error = await promise.catch((e: unknown) => e);
    if (!(error instanceof BatchError)) throw new Error(`expected a BatchError, got ${String(error)}`);
    return error.failures;
  };

  describe('element mapping, field by field', () => {
    test.each<[string, MessageElement, { type: string; body: Record<string, unknown> }]>([
      ['text', { kind: 'text', vendorType: 'TIMTextElem', text: '你好 👋' }, { type: 'txt', body: { msg: '你好 👋' } }],
      [
        'image (the largest variant, its size)',
        {
          kind: 'image',
          vendorType: 'TIMImageElem',
          name: 'p.jpg',
          images: [
            { url: 'https://cdn/thumb.jpg', width: 198, height: 120, role: 'thumbnail' },
            { url: 'https://cdn/orig.jpg', width: 1280, height: 720, size: 183245, role: 'original' },
            { url: 'https://cdn/large.jpg', width: 720, height: 405, role: 'large' },
          ],
        },
        { type: 'img', body: { url: 'https://cdn/orig.jpg', filename: 'p.jpg', size: { width: 1280, height: 720 } } },
      ],
      ['image without sizes (the first), named after its URL', { kind: 'image', vendorType: 'PICTURE', images: [{ url: 'https://cdn/a.png' }, { url: 'https://cdn/b.png' }] }, { type: 'img', body: { url: 'https://cdn/a.png', filename: 'a.png' } }],
      ['image whose URL names no file, named by its format', { kind: 'image', vendorType: 'TIMImageElem', format: 'gif', images: [{ url: 'https://cdn/download?id=7' }] }, { type: 'img', body: { url: 'https://cdn/download?id=7', filename: 'image.gif' } }],
      ['audio', { kind: 'audio', vendorType: 'TIMSoundElem', url: 'https://cdn/v.amr', durationSeconds: 4.4, size: 6630 }, { type: 'audio', body: { url: 'https://cdn/v.amr', length: 4 } }],
      [
        'video',
        { kind: 'video', vendorType: 'TIMVideoFileElem', url: 'https://cdn/v.mp4', durationSeconds: 12, size: 1048576, thumbnailUrl: 'https://cdn/t.jpg', width: 720, height: 1280 },
        { type: 'video', body: { url: 'https://cdn/v.mp4', length: 12, file_length: 1048576, thumb: 'https://cdn/t.jpg' } },
      ],
      ['file', { kind: 'file', vendorType: 'TIMFileElem', url: 'https://cdn/f.pdf', name: '报价单.pdf', size: 20480 }, { type: 'file', body: { url: 'https://cdn/f.pdf', filename: '报价单.pdf' } }],
      ['location', { kind: 'location', vendorType: 'TIMLocationElem', latitude: 39.9087, longitude: -116.3975, description: '天安门' }, { type: 'loc', body: { lat: '39.9087', lng: '-116.3975', addr: '天安门' } }],
      [
        'custom with a flat string map as data',
        { kind: 'custom', vendorType: 'TIMCustomElem', data: '{"title":"Order A1001","status":"paid"}' },
        { type: 'custom', body: { customEvent: 'relay_card', customExts: { title: 'Order A1001', status: 'paid' } } },
      ],
      ['custom with exts', { kind: 'custom', vendorType: 'custom', event: 'gift', exts: { name: 'flower' } }, { type: 'custom', body: { customEvent: 'relay_card', customExts: { name: 'flower' } } }],
      [
        'custom whose data is not a flat string map (kept as customExts.data)',
        { kind: 'custom', vendorType: 'TIMCustomElem', data: '{"n":1,"deep":{"a":"b"}}' },
        { type: 'custom', body: { customEvent: 'relay_card', customExts: { data: '{"n":1,"deep":{"a":"b"}}' } } },
      ],
      ['face as txt', { kind: 'face', vendorType: 'TIMFaceElem', index: 3, data: 'smile' }, { type: 'txt', body: { msg: '[face smile]' } }],
      ['merged as a txt summary', { kind: 'merged', vendorType: 'TIMRelayElem', title: 'Chat history', summary: ['alice: hi', 'bob: hello'], messageCount: 2 }, { type: 'txt', body: { msg: '[Chat history]\nalice: hi\nbob: hello' } }],
    ])('When the element is %s, then the send carries the mapped body and the relay marker', async (_name, element, expected) => {
      const s = await sink({ elements: { customEvent: 'relay_card' } });
      const event = withElements(element);

      await s.write([event], signal());

      expect(sent()).toEqual([{ endpoint: 'users', from: 'alice', to: ['bob'], type: expected.type, body: expected.body, ext: marker(event) }]);
    });

    test('When face and merged are configured as custom, then they are custom messages with their events', async () => {
      const s = await sink({ elements: { face: 'custom', merged: 'custom', faceEvent: 'face_evt', mergedEvent: 'merged_evt' } });

      await s.write([withElements({ kind: 'face', vendorType: 'TIMFaceElem', index: 3, data: 'smile' }, { kind: 'merged', vendorType: 'TIMRelayElem', title: 'T', summary: ['a', 'b'], messageCount: 2 })], signal());

      expect(sent().map((s) => [s.type, s.body])).toEqual([
        ['custom', { customEvent: 'face_evt', customExts: { index: '3', data: 'smile' } }],
        ['custom', { customEvent: 'merged_evt', customExts: { title: 'T', summary: 'a\nb', messageCount: '2' } }],
      ]);
    });

    test('When a message has several elements, then one send per element in order, or one joined txt when configured', async () => {
      const elements: MessageElement[] = [
        { kind: 'text', vendorType: 'TIMTextElem', text: 'look' },
        { kind: 'image', vendorType: 'TIMImageElem', images: [{ url: 'https://cdn/x.jpg' }] },
        { kind: 'text', vendorType: 'TIMTextElem', text: 'nice?' },
      ];
      const each = await sink();
      await each.write([withElements(...elements)], signal());
      const eachSent = sent().map((s) => s.type);
      standin.accepted.length = 0;
      const joined = await sink({ name: 'joined', elements: { several: 'joined', joinWith: ' | ' } });

      await joined.write([withElements(...elements)], signal());

      expect(eachSent).toEqual(['txt', 'img', 'txt']);
      expect(sent().map((s) => s.body)).toEqual([{ msg: 'look | [image] https://cdn/x.jpg | nice?' }]);
    });
  });

  describe('targets', () => {
    test.each([
      [{ mode: 'same' }, 'bob'],
      [{ mode: 'template', template: 'tc_{id}' }, 'tc_bob'],
      [{ mode: 'table', table: { bob: 'em_bob' } }, 'em_bob'],
    ])('When users are mapped by %j, then the one-to-one message goes to %s', async (users, expected) => {
      const s = await sink({ targets: { users } });

      await s.write([messageEvent()], signal());

      expect(sent().map((r) => r.to)).toEqual([[expected]]);
    });

    test('When the users table has no entry, then the event is a dead letter (unmapped: fail) or nothing is sent (unmapped: skip)', async () => {
      const failing = await sink({ targets: { users: { mode: 'table', table: {} } } });
      const skipping = await sink({ name: 'skipping', targets: { users: { mode: 'table', table: {}, unmapped: 'skip' } } });

      const failures = await failureOf(failing.write([messageEvent()], signal()));
      await skipping.write([messageEvent()], signal());

      expect(failures.get(0)).toBeInstanceOf(PermanentSinkError);
      expect(failures.get(0)?.message).toBe('no Easemob user for recipient bob in the users table');
      expect(standin.sendRequests()).toHaveLength(0);
    });

    test('When 25 chat rooms and 7 groups are configured, then recipients are grouped 10/10/5 and 3/3/1 per call, users first', async () => {
      const rooms = Array.from({ length: 25 }, (_, i) => `room${i}`);
      const groups = Array.from({ length: 7 }, (_, i) => `group${i}`);
      const s = await sink({ targets: { users: { mode: 'same' }, chatrooms: rooms, chatgroups: groups }, chatroomLevel: 'high' });
      const event = messageEvent();

      await s.write([event], signal());

      expect(sent().map((r) => [r.endpoint, r.to])).toEqual([
        ['users', ['bob']],
        ['chatgroups', groups.slice(0, 3)],
        ['chatgroups', groups.slice(3, 6)],
        ['chatgroups', groups.slice(6)],
        ['chatrooms', rooms.slice(0, 10)],
        ['chatrooms', rooms.slice(10, 20)],
        ['chatrooms', rooms.slice(20)],
      ]);
      expect(sent().filter((r) => r.endpoint === 'chatrooms').every((r) => r.chatroom_msg_level === 'high')).toBe(true);
      expect(sent().some((r) => r.endpoint !== 'chatrooms' && 'chatroom_msg_level' in r)).toBe(false);
      expect(sent().every((r) => (r.ext as { imgw_relay: { eventId: string; mac: string[] } }).imgw_relay.mac.length === (r.to as string[]).length)).toBe(true);
      expect(sent().every((r) => (r.ext as { imgw_relay: { eventId: string } }).imgw_relay.eventId === event.attributes.id)).toBe(true);
      expect(sent().every(verifiesForEach)).toBe(true);
    });

    test('When a group message is relayed, then it goes to the configured rooms and groups but to no user', async () => {
      const s = await sink({ targets: { users: { mode: 'same' }, chatrooms: ['mod-room'] } });

      await s.write([messageEvent({ conversation: 'group', to: undefined, groupId: '@TGS#1' })], signal());

      expect(sent().map((r) => [r.endpoint, r.to])).toEqual([['chatrooms', ['mod-room']]]);
    });

    const group = (groupId: string) => messageEvent({ conversation: 'group', to: undefined, groupId });
    const room = (groupId: string) => messageEvent({ conversation: 'chatroom', to: undefined, groupId });

    test.each([
      ['groups same', { groups: { mode: 'same' } }, group('g-1'), [['chatgroups', ['g-1']]]],
      ['groups by template', { groups: { mode: 'template', template: 'em_{id}' } }, group('g-1'), [['chatgroups', ['em_g-1']]]],
      ['groups by table', { groups: { mode: 'table', table: { 'g-1': '2001' } } }, group('g-1'), [['chatgroups', ['2001']]]],
      ['groups as chat rooms', { groups: { mode: 'same', as: 'chatroom' } }, group('g-1'), [['chatrooms', ['g-1']]]],
      ['rooms by template', { rooms: { mode: 'template', template: 'r_{id}' } }, room('live'), [['chatrooms', ['r_live']]]],
      ['rooms as groups', { rooms: { mode: 'table', table: { live: '3001' }, as: 'group' } }, room('live'), [['chatgroups', ['3001']]]],
      ['a group rule only (one-to-one not sent)', { groups: { mode: 'same' } }, messageEvent(), []],
      ['a room rule only (group not sent)', { rooms: { mode: 'same' } }, group('g-1'), []],
      ['groups mapped plus alsoTo', { groups: { mode: 'same' }, alsoTo: { chatrooms: ['mod'], groups: ['audit', 'g-1'] } }, group('g-1'), [['chatgroups', ['g-1', 'audit']], ['chatrooms', ['mod']]]],
    ])('When %s, then the message goes to the mapped conversation', async (_, targets, event, expected) => {
      const s = await sink({ targets });

      await s.write([event], signal());

      expect(sent().map((r) => [r.endpoint, r.to])).toEqual(expected);
      expect(sent().every(verifiesForEach)).toBe(true);
    });

    test('When the groups or rooms table has no entry, then the event is a dead letter (unmapped: fail) or only alsoTo gets it (unmapped: skip)', async () => {
      const failing = await sink({ targets: { groups: { mode: 'table', table: {} } } });
      const skipping = await sink({ name: 'skipping', targets: { rooms: { mode: 'table', table: {}, unmapped: 'skip' }, alsoTo: { chatrooms: ['mod'] } } });

      const failures = await failureOf(failing.write([group('g-9')], signal()));
      await skipping.write([room('live')], signal());

      expect(failures.get(0)).toBeInstanceOf(PermanentSinkError);
      expect(failures.get(0)?.message).toBe('no Easemob group for group g-9 in the groups table');
      expect(sent().map((r) => [r.endpoint, r.to])).toEqual([['chatrooms', ['mod']]]);
    });

    test('When senders are mapped, then the send comes from the mapped user, and a sender missing from a skipping table is not relayed', async () => {
      const s = await sink({ targets: { users: { mode: 'same' }, senders: { mode: 'table', table: { alice: 'em_alice' }, unmapped: 'skip' } } });

      await s.write([messageEvent(), messageEvent({ from: 'mallory' })], signal());

      expect(sent().map((r) => [r.from, r.to])).toEqual([['em_alice', ['bob']]]);
      expect(sent().every(verifiesForEach)).toBe(true);
    });

    test('When from, syncDevice, onlineOnly and silent are set, then the request carries them', async () => {
      const s = await sink({ from: 'relay_bot', syncDevice: true, onlineOnly: true, silent: true });
      const event = messageEvent();

      await s.write([event], signal());

      expect(sent()).toEqual([
        { endpoint: 'users', from: 'relay_bot', to: ['bob'], type: 'txt', body: { msg: 'hello' }, ext: { ...marker(event), em_ignore_notification: true }, sync_device: true, routetype: 'ROUTE_ONLINE' },
      ]);
    });
  });

  describe('per-event outcomes', () => {
    test('When one event has an unknown element and one is over 5 KB, then those two are dead letters with the reason and their neighbours are sent', async () => {
      const s = await sink();
      const batch = [
        messageEvent(),
        withElements({ kind: 'unknown', vendorType: 'TIMNewElem', content: {} }),
        messageEvent(),
        withElements({ kind: 'text', vendorType: 'TIMTextElem', text: '长'.repeat(1800) }),
        messageEvent(),
      ];

      const failures = await failureOf(s.write(batch, signal()));

      expect([...failures.keys()]).toEqual([1, 3]);
      expect(failures.get(1)).toBeInstanceOf(PermanentSinkError);
      expect(failures.get(1)?.message).toBe('element 0 (TIMNewElem) has no Easemob equivalent');
      expect(failures.get(3)?.message).toMatch(/^message is \d+ bytes of body and ext, over Easemob's 5120-byte limit$/);
      expect(sent()).toHaveLength(3);
    });

    test('When Easemob refuses one message (400), then only that event is a dead letter with the error_description', async () => {
      const s = await sink();
      standin.respond({ status: 200, body: { data: { bob: '1' } } });
      standin.respond({ status: 400, body: { error: 'message_send_error', error_description: 'param ext must be JSONObject' } });

      const failures = await failureOf(s.write([messageEvent(), messageEvent(), messageEvent()], signal()));

      expect([...failures.keys()]).toEqual([1]);
      expect(failures.get(1)?.message).toBe('Easemob users send: HTTP 400 message_send_error: param ext must be JSONObject');
      expect(failures.get(1)).toBeInstanceOf(PermanentSinkError);
    });

    test('When Easemob fails with 503, then that event and the later ones are retried (order kept); the earlier ones are delivered', async () => {
      const s = await sink();
      standin.respond({ status: 200, body: { data: { bob: '1' } } }, { status: 503, body: { error: 'service_unavailable' } });

      const failures = await failureOf(s.write([messageEvent(), messageEvent(), messageEvent()], signal()));

      expect([...failures.keys()]).toEqual([1, 2]);
      expect(failures.get(1)).not.toBeInstanceOf(PermanentSinkError);
      expect(failures.get(2)).toBe(failures.get(1));
    });

    test('When the quota is used up, then the rest of the batch waits with a RetryLaterError until the next window, without a call to Easemob', async () => {
      const s = await sink({ quotas: { users: { callsPerSecond: 2 } } });

      const failures = await failureOf(s.write([messageEvent(), messageEvent(), messageEvent(), messageEvent()], signal()));

      expect(standin.sendRequests()).toHaveLength(2);
      expect([...failures.keys()]).toEqual([2, 3]);
      expect(failures.get(2)).toBeInstanceOf(RetryLaterError);
      expect((failures.get(2) as RetryLaterError).retryAfterMs).toBeLessThanOrEqual(1000);
    });

    test('When an event carries no neutral message, or one whose signed relay marker verifies, then nothing is sent and it counts as delivered', async () => {
      const s = await sink();
      const plain = { ...messageEvent(), message: undefined };
      const copy = { from: 'relay_bot', to: { kind: 'user' as const, id: 'bob' }, elements: [{ kind: 'text' as const, vendorType: 'txt', text: 'hello' }] };
      const ours = messageEvent({ vendor: 'easemob', from: 'relay_bot', ext: JSON.stringify({ [relayMarkerKey]: relayMarker({ vendor: 'tencent', appId: '1', messageId: '1', eventId: 'src-1' }, [copy], relayKeys) }) });

      await s.write([plain, ours], signal());

      expect(standin.requests).toHaveLength(0);
    });

    test.each([
      ['an unsigned marker', { eventId: 'src-1' }],
      ['a marker of a legacy relayedBy field only', undefined],
      ['a genuine marker replayed on another text', 'replayed'],
    ])('When an event carries %s, then it is relayed like any message', async (_name, value) => {
      const s = await sink();
      const copy = { from: 'alice', to: { kind: 'user' as const, id: 'bob' }, elements: [{ kind: 'text' as const, vendorType: 'txt', text: 'the original' }] };
      const ext = value === 'replayed' ? { [relayMarkerKey]: relayMarker({ vendor: 'tencent', appId: '1', messageId: '1', eventId: 'src-1' }, [copy], relayKeys) } : value === undefined ? undefined : { [relayMarkerKey]: value };
      const event = messageEvent({ relayedBy: 'easemob', ...(ext ? { ext: JSON.stringify(ext) } : {}) });

      await s.write([event], signal());

      expect(sent().map((r) => r.body)).toEqual([{ msg: 'hello' }]);
    });

    test('When no relay key is given, then the sink refuses to start', async () => {
      const config = easemobSinkConfig.parse({ type: 'easemob', baseUrl: standin.url, appKey: standin.appKey, clientId: standin.clientId, clientSecret: standin.clientSecret });

      await expect(createEasemobSink(config, { dataDir })).rejects.toThrow('easemob sink "easemob": RELAY_KEY is not set; a relay cannot mark what it sends without it');
    });
  });

  test('When a batch mixes conversations, then each conversation keeps its order and all are sent', async () => {
    const s = await sink();
    const batch = [0, 1, 2, 3, 4, 5].map((i) => messageEvent({ to: i % 2 ? 'carol' : 'bob', elements: [{ kind: 'text', vendorType: 'TIMTextElem', text: `m${i}` }] }));

    await s.write(batch, signal());

    const to = (who: string) => sent().filter((r) => (r.to as string[])[0] === who).map((r) => (r.body as { msg: string }).msg);
    expect(to('bob')).toEqual(['m0', 'm2', 'm4']);
    expect(to('carol')).toEqual(['m1', 'm3', 'm5']);
  });

  describe('no duplicates from retries', () => {
    test('When the second of three sends fails, then the retry sends only the second and third, also after a restart', async () => {
      const elements: MessageElement[] = ['one', 'two', 'three'].map((text) => ({ kind: 'text', vendorType: 'TIMTextElem', text }));
      const event = withElements(...elements);
      const first = await sink();
      standin.respond({ status: 200, body: { data: { bob: '1' } } }, { status: 502, body: {} });
      await first.write([event], signal()).catch(() => undefined);
      await first.close();
      sinks.length = 0;

      const restarted = await sink();
      await restarted.write([event], signal());
      await restarted.write([event], signal());

      expect(standin.sendRequests().map((r) => [r.status, (JSON.parse(r.body) as { body: { msg: string } }).body.msg])).toEqual([
        [200, 'one'],
        [502, 'two'],
        [200, 'two'],
        [200, 'three'],
      ]);
    });

    test('When a write times out after Easemob took the send, then the retry waits for that send to end and sends it once more (the duplicate window)', async () => {
      const s = await sink({ requestTimeoutMs: 300 });
      const event = messageEvent();
      standin.respond({ status: 200, acceptThenHang: true });
      const controller = new AbortController();

      const first = s.write([event], controller.signal).catch((e: unknown) => e);
      await until(() => standin.sendRequests().length > 0);
      controller.abort(new Error('timed out'));
      const retry = s.write([event], signal());

      expect(((await first) as Error).message).toBe('timed out');
      await retry;
      expect(standin.accepted).toHaveLength(2);
      expect(standin.sendRequests()).toHaveLength(2);
    });
  });

  test('When 200 single-event writes run at once, then the token is fetched once', async () => {
    await standin.close();
    // A quota well above the 200 calls, so no call waits for a window: the window guard counts calls near a
    // window's end in the next one too, and which window the 200 start in is chance. Quotas have their own tests.
    standin = await startEasemobStandin({ limits: { users: { callsPerSecond: 1000 } } });
    // Each call gets 60 s: the stand-in runs in this process, and on a busy machine one answer took over 5 s, which is not what this tests.
    const s = await sink({ quotas: { users: { callsPerSecond: 1000 } }, requestTimeoutMs: 60_000 });

    await Promise.all(Array.from({ length: 200 }, () => s.write([messageEvent()], AbortSignal.timeout(90_000))));

    expect(standin.tokenRequests()).toHaveLength(1);
    expect(standin.accepted).toHaveLength(200);
  }, 120_000);

  test('When the client secret comes from a file, then it is used; a missing file fails at start without the secret in the message', async () => {
    const file = join(dataDir, 'secret');
    writeFileSync(file, `${standin.clientSecret}\n`);
    const s = await sink({ clientSecret: undefined, clientSecretFile: file });
    await s.write([messageEvent()], signal());

    const missing = await sink({ name: 'missing', clientSecret: undefined, clientSecretFile: join(dataDir, 'nope') }).catch((e: Error) => e);

    expect(JSON.parse(standin.tokenRequests()[0]!.body).client_secret).toBe(standin.clientSecret);
    expect((missing as Error).message).toBe(`easemob sink: clientSecretFile ${join(dataDir, 'nope')} could not be read (ENOENT)`);
  });
});
