import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { MessageElement } from '../../src/events/message';
import type { RunningService } from '../../src/service';
import { createEasemobSink, easemobSinkConfig } from '../../src/sinks/relay/easemob/sink';
import type { Sink } from '../../src/sinks/sink';
import { neutralMessageEvent, relayedEventIds, startEasemobStandin, type EasemobStandin } from '../helpers/easemob-standin';
import { loadFixture } from '../helpers/fixtures';
import { postCallback, readJsonl } from '../helpers/process';
import { freePort } from '../helpers/servers';
import { startTestService, tempDataDir } from '../helpers/service';
import { until } from '../helpers/wait';

/**
 * Both directions against the stand-in: a Tencent message is relayed to Easemob, Easemob reports it back
 * with its post-send callback (signed, as it would), and the gateway recognises its own message.
 */
describe('Tencent → Easemob relay, end to end', () => {
  let standin: EasemobStandin;
  let dataDir: string;
  const secret = 'em-cb-secret-7788';
  const relayKey = 'e2e-relay-key-0123456789abcdef0123456789abcd';

  beforeEach(() => {
    dataDir = tempDataDir();
  });
  afterEach(async () => {
    await standin.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('When a Tencent message comes in, then it is sent to Easemob once, and its post-send callback is answered 200, counted and not relayed again', async () => {
    const port = await freePort();
    standin = await startEasemobStandin({ callback: { url: `http://127.0.0.1:${port}/easemob/callback`, secret } });
    const service = await startTestService(
      dataDir,
      {
        sinks: [
          { type: 'file', name: 'audit', path: join(dataDir, 'audit.jsonl') },
          { type: 'easemob', name: 'to-easemob', baseUrl: standin.url, appKey: standin.appKey, clientId: standin.clientId, clientSecret: standin.clientSecret, targets: { users: { mode: 'template', template: 'tc_{id}' } } },
        ],
      },
      undefined,
      { PORT: String(port), EASEMOB_CALLBACK_SECRETS: JSON.stringify(['old-secret', secret]), EASEMOB_APPKEY: standin.appKey, RELAY_KEY: relayKey },
    );
    const audit = () => readJsonl(join(dataDir, 'audit.jsonl'));
    const metrics = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    try {
      const fixture = loadFixture('c2c-after-send-minimal');

      const reply = await postCallback(port, fixture, fixture.body);
      await until(() => standin.callbacks.length === 1, 15_000);
      await until(() => audit().length === 1);
      const text = await metrics();

      expect(reply.reply).toEqual({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' });
      const tencentEvent = audit()[0] as { id: string };
      expect(standin.accepted).toHaveLength(1);
      expect(standin.accepted[0]?.request).toEqual({
        from: 'jared',
        to: ['tc_Jonh'],
        type: 'txt',
        body: { msg: 'red packet' },
        ext: { imgw_relay: { vendor: 'tencent', app: '1400000001', messageId: '48374_2837546_1557481126', eventId: tencentEvent.id, mac: [expect.stringMatching(/^[A-Za-z0-9_-]{22}$/)] } },
      });
      expect(relayedEventIds(standin)).toEqual([tencentEvent.id]);
      expect(standin.callbacks[0]).toMatchObject({ status: 200, body: { chat_type: 'chat', from: 'jared', to: 'tc_Jonh', msg_id: Object.values(standin.accepted[0]!.ids)[0] } });
      expect(text).toMatch(/^imgw_callbacks_ignored_total\{vendor="easemob",reason="relayed"\} 1$/m);
      expect(audit().map((e) => e.vendor)).toEqual(['tencent']);
      expect(standin.sendRequests()).toHaveLength(1);
    } finally {
      await service.stop();
    }
  });

  test('When Easemob posts a message of its own users, then it is stored as an easemob event and relayed like any other', async () => {
    const port = await freePort();
    standin = await startEasemobStandin();
    const service = await startTestService(
      dataDir,
      {
        sinks: [
          { type: 'file', name: 'audit', path: join(dataDir, 'audit.jsonl') },
          { type: 'easemob', name: 'to-room', baseUrl: standin.url, appKey: standin.appKey, clientId: standin.clientId, clientSecret: standin.clientSecret, targets: { chatrooms: ['moderation'] } },
        ],
      },
      undefined,
      { PORT: String(port), EASEMOB_CALLBACK_SECRETS: secret, EASEMOB_APPKEY: standin.appKey, RELAY_KEY: relayKey },
    );
    const audit = () => readJsonl(join(dataDir, 'audit.jsonl'));
    try {
      const body = JSON.stringify({
        callId: 'acme#chatapp_6f1c9b2e-4d3a-4b8e-9c7d-2a1b3c4d5e6f', eventType: 'chat', timestamp: 1718000000123, chat_type: 'chat', from: 'alice', to: 'bob', msg_id: '1229384756102938111',
        payload: { ext: { orderId: 'A1001' }, bodies: [{ msg: 'hello bob, 明天见', type: 'txt' }] }, securityVersion: '1.0.0', security: '1951f7729638c911943763f10a80f66f', appkey: 'acme#chatapp', host: 'msync@ebs-ali-beijing-msync45',
      });
      const post = async () => {
        const res = await fetch(`http://127.0.0.1:${port}/easemob/callback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        return { status: res.status, text: await res.text() };
      };

      const first = await post();
      const second = await post();
      await until(() => standin.accepted.length === 1, 15_000);
      await until(() => audit().length === 1);

      expect(first).toEqual({ status: 200, text: '{"result":"accepted"}' });
      expect(second).toEqual({ status: 200, text: '{"result":"duplicate"}' });
      expect(audit()).toHaveLength(1);
      expect(audit()[0]).toMatchObject({ vendor: 'easemob', command: 'chat', fromaccount: 'alice', toaccount: 'bob' });
      expect(standin.accepted[0]?.request).toMatchObject({ from: 'alice', to: ['moderation'], type: 'txt', body: { msg: 'hello bob, 明天见' } });
    } finally {
      await service.stop();
    }
  });
});

describe("Easemob's own callback of every kind of relayed message", () => {
  const secret = 'em-cb-secret-7788';
  const relayKey = 'e2e-relay-key-0123456789abcdef0123456789abcd';
  let standin: EasemobStandin | undefined;
  let dataDir: string;
  let service: RunningService | undefined;
  let relay: Sink | undefined;

  afterEach(async () => {
    await relay?.close();
    await standin?.close();
    await service?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('When the relay sends each element kind to a user, a group and rooms, then every callback Easemob makes of it verifies: answered 200, counted as relayed, nothing stored', async () => {
    dataDir = tempDataDir();
    const port = await freePort();
    service = await startTestService(dataDir, { sinks: [{ type: 'file', name: 'audit', path: join(dataDir, 'audit.jsonl') }] }, undefined, {
      PORT: String(port),
      EASEMOB_CALLBACK_SECRETS: secret,
      EASEMOB_APPKEY: 'acme#chatapp',
      RELAY_KEY: JSON.stringify([relayKey]),
    });
    standin = await startEasemobStandin({ callback: { url: `http://127.0.0.1:${port}/easemob/callback`, secret } });
    const config = easemobSinkConfig.parse({
      type: 'easemob', baseUrl: standin.url, appKey: standin.appKey, clientId: standin.clientId, clientSecret: standin.clientSecret,
      targets: { users: { mode: 'same' }, chatgroups: ['g1', 'g2'], chatrooms: ['r1', 'r2', 'r3'] }, elements: { face: 'custom' },
    });
    relay = await createEasemobSink(config, { dataDir, relayKeys: [relayKey] });
    const elements: MessageElement[] = [
      { kind: 'text', vendorType: 'TIMTextElem', text: 'hi 👋' },
      { kind: 'image', vendorType: 'TIMImageElem', name: 'p.jpg', images: [{ url: 'https://cdn.example/p.jpg', width: 800, height: 600 }] },
      { kind: 'audio', vendorType: 'TIMSoundElem', url: 'https://cdn.example/a.amr', durationSeconds: 3 },
      { kind: 'video', vendorType: 'TIMVideoFileElem', url: 'https://cdn.example/v.mp4', durationSeconds: 5, size: 1000, thumbnailUrl: 'https://cdn.example/t.jpg' },
      { kind: 'file', vendorType: 'TIMFileElem', url: 'https://cdn.example/f.pdf', name: 'f.pdf' },
      { kind: 'location', vendorType: 'TIMLocationElem', latitude: 39.9042, longitude: 116.4074, description: 'Beijing' },
      { kind: 'custom', vendorType: 'TIMCustomElem', data: '{"orderId":"A1","state":"paid"}' },
      { kind: 'custom', vendorType: 'TIMCustomElem', data: 'not json' },
      { kind: 'face', vendorType: 'TIMFaceElem', index: 3, data: 'smile' },
    ];

    await relay.write([neutralMessageEvent({ elements })], AbortSignal.timeout(20_000));
    await standin.callbacksSettled();
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();

    // 9 elements to 1 user, 2 groups and 3 rooms (one call each for groups and rooms): 54 callbacks.
    expect(standin.accepted).toHaveLength(27);
    expect(standin.callbacks).toHaveLength(54);
    expect(standin.callbacks.map((c) => c.status)).toEqual(standin.callbacks.map(() => 200));
    expect(metrics).toMatch(/^imgw_callbacks_ignored_total\{vendor="easemob",reason="relayed"\} 54$/m);
    expect(metrics).not.toMatch(/^imgw_callbacks_suspicious_total\{/m);
    expect(readJsonl(join(dataDir, 'audit.jsonl'))).toEqual([]);
  }, 60_000);
});
