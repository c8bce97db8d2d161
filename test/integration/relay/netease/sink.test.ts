import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MessageElement } from '../../../../src/events/message';
import { relayMarkerIn, verifyRelayMarker } from '../../../../src/events/relay-marker';
import { neteaseApiHeaders } from '../../../../src/protocols/netease-api-checksum';
import { createNeteaseSink, neteaseSinkConfig } from '../../../../src/sinks/relay/netease/sink';
import { BatchError, PermanentSinkError, RetryLaterError, type Sink } from '../../../../src/sinks/sink';
import { neteaseElement } from '../../../../src/vendors/netease/message';
import { neutralMessageEvent } from '../../../helpers/easemob-standin';
import { startNeteaseStandin, type NeteaseStandin } from '../../../helpers/netease-standin';

const relayKeys = ['netease-sink-relay-key-0123456789abcdef0123456'];
const signal = () => AbortSignal.timeout(10_000);
const typeNames: Record<string, string> = { '0': 'TEXT', '1': 'PICTURE', '2': 'AUDIO', '3': 'VIDEO', '4': 'LOCATION', '6': 'FILE', '100': 'CUSTOM' };

describe('netease relay sink against the stand-in', () => {
  let standin: NeteaseStandin;
  let dataDir: string;
  const sinks: Sink[] = [];

  beforeEach(async () => {
    standin = await startNeteaseStandin();
    dataDir = mkdtempSync(join(tmpdir(), 'imgw-netease-sink-'));
  });
  afterEach(async () => {
    await Promise.all(sinks.splice(0).map((s) => s.close()));
    await standin.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function sink(settings: Record<string, unknown> = {}): Promise<Sink> {
    const config = neteaseSinkConfig.parse({ type: 'netease', baseUrl: standin.url, appKey: standin.appKey, appSecret: standin.appSecret, targets: { users: { mode: 'same' } }, ...settings });
    const built = await createNeteaseSink(config, { dataDir, relayKeys });
    sinks.push(built);
    return built;
  }
  const failuresOf = async (promise: Promise<void>) => {
    const error = await promise.catch((e: unknown) => e);
    if (!(error instanceof BatchError)) throw new Error(`expected a BatchError, got ${String(error)}`);
    return error.failures;
  };
  /** Whether a send's marker verifies for the copy NetEase shows, as the gateway's NetEase intake reads it. */
  const verifies = (form: Record<string, string>, to: { kind: 'user' | 'group'; id: string }) => {
    const type = typeNames[form.type ?? form.msgType ?? ''] ?? 'TEXT';
    const content = form.body ?? form.attach ?? '{}';
    const parsed = JSON.parse(content) as Record<string, unknown>;
    const element = neteaseElement(type, type === 'TEXT' ? String(parsed.msg) : undefined, content, parsed as never);
    const marker = relayMarkerIn(form.ext);
    return marker.present && verifyRelayMarker(marker.value, { from: form.from ?? form.fromAccid ?? '', to, elements: [element] }, relayKeys) === 'ours';
  };

  test('CheckSum is sha1(AppSecret + Nonce + CurTime) in lower-case hex, as documented', () => {
    expect(neteaseApiHeaders('key', 'secret', 'nonce1', '1718000000')).toEqual({ AppKey: 'key', Nonce: 'nonce1', CurTime: '1718000000', CheckSum: createHash('sha1').update('secretnonce11718000000').digest('hex') });
  });

  test('When a one-to-one text is relayed, then sendMsg.action takes the signed call, the message and a marker that verifies for its copy', async () => {
    const s = await sink();

    await s.write([neutralMessageEvent({ elements: [{ kind: 'text', vendorType: 'TIMTextElem', text: 'hello netease' }] })], signal());

    const [call] = standin.accepted;
    expect(call?.api).toBe('p2p');
    expect(call?.form).toEqual({ from: 'alice', ope: '0', to: 'bob', type: '0', body: '{"msg":"hello netease"}', ext: expect.stringContaining('"imgw_relay"') });
    expect(verifies(call!.form, { kind: 'user', id: 'bob' })).toBe(true);
    expect(verifies({ ...call!.form, body: '{"msg":"other"}' }, { kind: 'user', id: 'bob' })).toBe(false);
  });

  test('When elements of every kind are relayed, then each is one NetEase message of the documented type, in order, and each marker verifies', async () => {
    const s = await sink();
    const elements: MessageElement[] = [
      { kind: 'image', vendorType: 'TIMImageElem', images: [{ url: 'https://cdn/p.jpg', width: 800, height: 600, size: 9000 }] },
      { kind: 'audio', vendorType: 'TIMSoundElem', url: 'https://cdn/a.aac', durationSeconds: 3.5, size: 100 },
      { kind: 'file', vendorType: 'TIMFileElem', url: 'https://cdn/f.pdf', name: '报价单.pdf', size: 2048 },
      { kind: 'location', vendorType: 'TIMLocationElem', latitude: 30.27, longitude: 120.15, description: 'Hangzhou' },
      { kind: 'custom', vendorType: 'TIMCustomElem', data: '{"card":"A1"}' },
    ];

    await s.write([neutralMessageEvent({ elements })], signal());

    const forms = standin.accepted.map((a) => a.form);
    expect(forms.map((f) => f.type)).toEqual(['1', '2', '6', '4', '100']);
    expect(JSON.parse(forms[0]!.body!)).toEqual({ name: 'p.jpg', url: 'https://cdn/p.jpg', ext: 'jpg', w: 800, h: 600, size: 9000 });
    expect(JSON.parse(forms[1]!.body!)).toEqual({ dur: 3500, url: 'https://cdn/a.aac', ext: 'aac', size: 100 });
    expect(JSON.parse(forms[2]!.body!)).toEqual({ name: '报价单.pdf', url: 'https://cdn/f.pdf', ext: 'pdf', size: 2048 });
    expect(JSON.parse(forms[3]!.body!)).toEqual({ title: 'Hangzhou', lng: 120.15, lat: 30.27 });
    expect(JSON.parse(forms[4]!.body!)).toEqual({ card: 'A1' });
    expect(forms.every((f) => verifies(f, { kind: 'user', id: 'bob' }))).toBe(true);
  });

  test('When groups go to teams and rooms to chat rooms by table, then team sends use ope 1 and room sends the chat-room API with a msgId', async () => {
    const s = await sink({ targets: { groups: { mode: 'table', table: { g1: '3001' } }, rooms: { mode: 'template', template: '{id}' } } });

    await s.write([neutralMessageEvent({ conversation: 'group', to: undefined, groupId: 'g1' }), neutralMessageEvent({ conversation: 'chatroom', to: undefined, groupId: '77' })], signal());

    const byApi = Object.fromEntries(standin.accepted.map((a) => [a.api, a.form]));
    expect(byApi.team).toMatchObject({ from: 'alice', ope: '1', to: '3001', type: '0' });
    expect(byApi.chatroom).toMatchObject({ roomid: '77', fromAccid: 'alice', msgType: '0', msgId: expect.any(String) });
    expect(verifies(byApi.team!, { kind: 'group', id: '3001' })).toBe(true);
    expect(verifies(byApi.chatroom!, { kind: 'group', id: '77' })).toBe(true);
  });

  test('When NetEase answers codes, then a bad recipient is a dead letter, frequency control waits, a server error is retried', async () => {
    const outcome = async (code: number) => {
      const s = await sink({ name: `code${code}` });
      standin.failNext(code);
      return (await failuresOf(s.write([neutralMessageEvent()], signal()))).get(0);
    };

    const deadLetter = await outcome(404);
    const quota = await outcome(416);
    const transient = await outcome(500);

    expect(deadLetter).toBeInstanceOf(PermanentSinkError);
    expect(deadLetter?.message).toContain('code 404');
    expect(quota).toBeInstanceOf(RetryLaterError);
    expect(transient).not.toBeInstanceOf(PermanentSinkError);
    expect(transient).not.toBeInstanceOf(RetryLaterError);
  });

  test('When the AppSecret is wrong, then NetEase refuses the CheckSum (403) and the event is retried, never a dead letter', async () => {
    const s = await sink({ appSecret: 'wrong-secret' });

    const failure = (await failuresOf(s.write([neutralMessageEvent()], signal()))).get(0);

    expect(standin.answers.map((a) => a.code)).toEqual([403]);
    expect(failure).not.toBeInstanceOf(PermanentSinkError);
    expect(standin.accepted).toHaveLength(0);
  });

  test('When a message has no sender, then it is a dead letter naming why (NetEase has no admin sender)', async () => {
    const s = await sink();

    const failure = (await failuresOf(s.write([neutralMessageEvent({ from: '' })], signal()))).get(0);

    expect(failure).toBeInstanceOf(PermanentSinkError);
    expect(failure?.message).toMatch(/needs a sender/);
  });
});
