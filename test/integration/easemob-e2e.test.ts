import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { relayedEventIds, startEasemobStandin, type EasemobStandin } from '../helpers/easemob-standin';
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
      { PORT: String(port), EASEMOB_CALLBACK_SECRETS: JSON.stringify(['old-secret', secret]), EASEMOB_APPKEY: standin.appKey },
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
        ext: { imgw_relay: { vendor: 'tencent', app: '1400000001', messageId: '48374_2837546_1557481126', eventId: tencentEvent.id } },
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
      { PORT: String(port), EASEMOB_CALLBACK_SECRETS: secret, EASEMOB_APPKEY: standin.appKey },
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
