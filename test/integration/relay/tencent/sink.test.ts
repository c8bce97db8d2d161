import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MessageElement, NeutralMessage } from '../../../../src/events/message';
import { relayMarkerIn, verifyRelayMarker } from '../../../../src/events/relay-marker';
import { createTencentSink, tencentSinkConfig } from '../../../../src/sinks/relay/tencent/sink';
import { BatchError, PermanentSinkError, RetryLaterError, type Sink } from '../../../../src/sinks/sink';
import { neutralElement } from '../../../../src/vendors/tencent/neutral';
import type { MsgElement } from '../../../../src/vendors/tencent/elements';
import { neutralMessageEvent } from '../../../helpers/easemob-standin';
import { flushError, holdFlushes } from '../../../helpers/held-flushes';
import { startTencentStandin, type TencentStandin } from '../../../helpers/tencent-standin';
import { nextTurn, until } from '../../../helpers/wait';

const relayKeys = ['tencent-sink-relay-key-0123456789abcdef0123456'];
const signal = () => AbortSignal.timeout(10_000);

describe('tencent relay sink against the stand-in', () => {
  let standin: TencentStandin;
  let dataDir: string;
  const sinks: Sink[] = [];

  beforeEach(async () => {
    standin = await startTencentStandin();
    dataDir = mkdtempSync(join(tmpdir(), 'imgw-tencent-sink-'));
  });
  afterEach(async () => {
    await Promise.all(sinks.splice(0).map((s) => s.close()));
    await standin.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function sink(settings: Record<string, unknown> = {}): Promise<Sink> {
    const config = tencentSinkConfig.parse({ type: 'tencent', baseUrl: standin.url, sdkAppId: standin.sdkAppId, secretKey: standin.secretKey, targets: { users: { mode: 'same' } }, ...settings });
    const built = await createTencentSink(config, { dataDir, relayKeys });
    sinks.push(built);
    return built;
  }
  const failuresOf = async (promise: Promise<void>) => {
    const error = await promise.catch((e: unknown) => e);
    if (!(error instanceof BatchError)) throw new Error(`expected a BatchError, got ${String(error)}`);
    return error.failures;
  };
  /** Whether a call's marker verifies for the copy Tencent's callback shows, as the gateway's Tencent intake reads it. */
  const verifies = (body: Record<string, unknown>, to: { kind: 'user' | 'group'; id: string }) => {
    const marker = relayMarkerIn(body.CloudCustomData);
    const elements = (body.MsgBody as MsgElement[]).map(neutralElement);
    return marker.present && verifyRelayMarker(marker.value, { from: (body.From_Account as string | undefined) ?? 'administrator', to, elements }, relayKeys) === 'ours';
  };

  test('When a one-to-one text is relayed, then sendmsg carries a UserSig Tencent accepts, the message and a marker that verifies for its callback', async () => {
    const s = await sink();
    const event = neutralMessageEvent();

    await s.write([event], signal());

    const [call] = standin.accepted;
    expect(call?.command).toBe('sendmsg');
    expect(call?.body).toEqual({ SyncOtherMachine: 2, From_Account: 'alice', To_Account: 'bob', MsgRandom: expect.any(Number), MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: (JSON.parse(event.message!) as NeutralMessage).elements[0]!.kind === 'text' ? (JSON.parse(event.message!) as { elements: { text: string }[] }).elements[0]!.text : '' } }], CloudCustomData: expect.any(String) });
    expect(verifies(call!.body, { kind: 'user', id: 'bob' })).toBe(true);
    expect(verifies({ ...call!.body, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'another text' } }] }, { kind: 'user', id: 'bob' })).toBe(false);
  });

  test('When elements of every kind are relayed, then they are one message of the documented Tencent elements, and the marker binds what the callback echoes', async () => {
    const s = await sink();
    const elements: MessageElement[] = [
      { kind: 'text', vendorType: 'txt', text: 'look' },
      { kind: 'image', vendorType: 'img', images: [{ url: 'https://cdn/o.png', width: 800, height: 600, size: 9000 }] },
      { kind: 'audio', vendorType: 'audio', url: 'https://cdn/a.amr', durationSeconds: 3.6, size: 100 },
      { kind: 'video', vendorType: 'video', url: 'https://cdn/v.mp4', durationSeconds: 9, thumbnailUrl: 'https://cdn/t.jpg' },
      { kind: 'file', vendorType: 'file', url: 'https://cdn/dl?id=1', size: 20480 },
      { kind: 'location', vendorType: 'loc', latitude: 39.9, longitude: 116.4, description: 'Beijing' },
      { kind: 'custom', vendorType: 'custom', event: 'gift', exts: { name: 'flower' } },
      { kind: 'face', vendorType: 'TIMFaceElem', index: 3, data: 'smile' },
    ];

    await s.write([neutralMessageEvent({ elements })], signal());

    const body = standin.accepted[0]!.body.MsgBody as MsgElement[];
    expect(body.map((e) => e.MsgType)).toEqual(['TIMTextElem', 'TIMImageElem', 'TIMSoundElem', 'TIMVideoFileElem', 'TIMFileElem', 'TIMLocationElem', 'TIMCustomElem', 'TIMFaceElem']);
    expect(body[1]!.MsgContent).toEqual({ UUID: expect.stringMatching(/^[0-9a-f]{32}$/), ImageFormat: 3, ImageInfoArray: [1, 2, 3].map((Type) => ({ Type, Size: 9000, Width: 800, Height: 600, URL: 'https://cdn/o.png' })) });
    expect(body[2]!.MsgContent).toMatchObject({ Url: 'https://cdn/a.amr', Second: 4, Size: 100, Download_Flag: 2 });
    expect(body[4]!.MsgContent).toMatchObject({ Url: 'https://cdn/dl?id=1', FileName: 'file.jpg', FileSize: 20480 });
    expect(body[5]!.MsgContent).toEqual({ Desc: 'Beijing', Latitude: 39.9, Longitude: 116.4 });
    expect(body[6]!.MsgContent).toEqual({ Data: '{"name":"flower"}', Desc: 'gift', Ext: '' });
    expect(body[7]!.MsgContent).toEqual({ Index: 3, Data: 'smile' });
    expect(verifies(standin.accepted[0]!.body, { kind: 'user', id: 'bob' })).toBe(true);
  });

  test('When Tencent accepted a send, then the journal has it on disk before the conversation\'s next call and before the write resolves', async () => {
    const s = await sink();
    const flushes = holdFlushes();
    try {
      let resolved = false;
      const written = s.write([neutralMessageEvent(), neutralMessageEvent()], signal()).then(() => (resolved = true));
      await until(() => flushes.held.length === 1);
      await nextTurn();
      expect(standin.accepted).toHaveLength(1);
      flushes.held[0]?.release();
      await until(() => flushes.held.length === 2);
      expect(standin.accepted).toHaveLength(2);
      await nextTurn();
      expect(resolved).toBe(false);
      flushes.held[1]?.release();
      await written;
    } finally {
      flushes.restore();
    }
  });

  test('When the journal cannot be flushed to disk, then the write fails and a retry neither calls Tencent again nor reports the event delivered', async () => {
    const s = await sink();
    const event = neutralMessageEvent();
    const flushes = holdFlushes();
    try {
      const written = s.write([event], signal());
      await until(() => flushes.held.length === 1);
      flushes.held[0]?.release(flushError());
      await expect(written).rejects.toThrow();
    } finally {
      flushes.restore();
    }
    await expect(s.write([event], signal())).rejects.toThrow('could not be flushed to disk');
    expect(standin.accepted).toHaveLength(1);
  });

  test('When groups and rooms are mapped, then send_group_msg goes to the mapped group, a room to its AVChatRoom group, and alsoTo groups too', async () => {
    const s = await sink({ targets: { groups: { mode: 'template', template: 'tc_{id}' }, rooms: { mode: 'table', table: { live: '@TGS#room' } }, alsoTo: { groups: ['audit'] } } });

    await s.write([neutralMessageEvent({ conversation: 'group', to: undefined, groupId: 'g1' }), neutralMessageEvent({ conversation: 'chatroom', to: undefined, groupId: 'live' })], signal());

    const calls = standin.accepted.map((a) => [a.command, a.body.GroupId]);
    expect(calls).toHaveLength(4);
    expect(calls).toEqual(expect.arrayContaining([['send_group_msg', 'tc_g1'], ['send_group_msg', 'audit'], ['send_group_msg', '@TGS#room']]));
    expect(standin.accepted.every((a) => verifies(a.body, { kind: 'group', id: a.body.GroupId as string }))).toBe(true);
  });

  test('When mode is import, then importmsg and import_group_msg keep the original sender and time, as historical messages', async () => {
    const s = await sink({ mode: 'import', targets: { users: { mode: 'same' }, groups: { mode: 'same' } } });

    await s.write([neutralMessageEvent({ sentAt: '2025-06-01T08:00:00.000Z' }), neutralMessageEvent({ conversation: 'group', to: undefined, groupId: 'g1', sentAt: '2025-06-01T08:00:05.000Z' })], signal());

    const [one, group] = standin.accepted;
    expect(one?.command).toBe('importmsg');
    expect(one?.body).toMatchObject({ SyncFromOldSystem: 2, From_Account: 'alice', To_Account: 'bob', MsgTimeStamp: 1748764800 });
    expect(group?.command).toBe('import_group_msg');
    expect(group?.body).toMatchObject({ GroupId: 'g1', MsgList: [{ From_Account: 'alice', SendTime: 1748764805 }] });
  });

  test('When Tencent answers error codes, then a bad message or recipient is a dead letter, a quota code waits, a server error is retried', async () => {
    const outcome = async (code: number) => {
      const s = await sink({ name: `code${code}` });
      standin.failNext(code);
      return (await failuresOf(s.write([neutralMessageEvent()], signal()))).get(0);
    };

    const deadLetter = await outcome(90012);
    const quota = await outcome(60007);
    const transient = await outcome(20005);

    expect(deadLetter).toBeInstanceOf(PermanentSinkError);
    expect(deadLetter?.message).toContain('ErrorCode 90012');
    expect(quota).toBeInstanceOf(RetryLaterError);
    expect(transient).not.toBeInstanceOf(PermanentSinkError);
    expect(transient).not.toBeInstanceOf(RetryLaterError);
    expect(transient?.message).toContain('ErrorCode 20005');
  });

  test('When the secret key is wrong, then Tencent refuses the UserSig (70009), a new one is tried once, and the event is retried, never a dead letter', async () => {
    const s = await sink({ secretKey: 'not-the-app-key' });

    const failure = (await failuresOf(s.write([neutralMessageEvent()], signal()))).get(0);

    expect(standin.answers.map((a) => a.code)).toEqual([70009, 70009]);
    expect(failure).not.toBeInstanceOf(PermanentSinkError);
    expect(standin.accepted).toHaveLength(0);
  });

  test('When the quota is used up, then the rest waits with a RetryLaterError without a call to Tencent', async () => {
    const s = await sink({ quotas: { sendmsg: { callsPerSecond: 2, messages: 2 } } });

    const failures = await failuresOf(s.write([0, 1, 2, 3].map((i) => neutralMessageEvent({ to: `user${i}` })), signal())).catch(() => new Map<number, Error>());

    expect(standin.accepted.length).toBeLessThanOrEqual(2);
    expect([...failures.values()].every((f) => f instanceof RetryLaterError)).toBe(true);
    expect(standin.answers.every((a) => a.code === 0)).toBe(true);
  });
});
