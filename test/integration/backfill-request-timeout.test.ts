import { createNeteaseHistory } from '../../src/backfill/netease/history';
import { createQuota } from '../../src/backfill/quota';
import { createTencentRest } from '../../src/backfill/tencent/rest';
import { startLoopbackHttp, type LoopbackHttp } from '../helpers/loopback-http';

/** A history API that takes every request and never answers it. */
const silentServer = () => startLoopbackHttp(() => undefined);

describe('a history API that never answers', () => {
  let silent: LoopbackHttp;
  beforeEach(async () => (silent = await silentServer()));
  afterEach(() => silent.close());
  // The backfill always passes a signal of its own (to stop a read); the timeout must hold beside it.
  const reading = new AbortController();

  test('When a Tencent history call gets no answer, then it fails after its timeout even though the caller passed a signal', async () => {
    const rest = createTencentRest({ url: silent.url, sdkAppId: 1400000001, identifier: 'admin', key: 'secret-key-for-the-usersig' }, { quota: createQuota({ perSecond: 1000 }), clock: Date.now, requestTimeoutMs: 200 });

    await expect(rest.post('v4/group_open_http_svc/group_msg_get_simple', { GroupId: 'g1' }, reading.signal)).rejects.toThrow(/timeout|aborted/i);
    // Made once at most: on a loaded machine the timeout can end the call before the request is even sent
    // (a refused connection would be another error, not a timeout).
    expect(silent.requests()).toBeLessThanOrEqual(1);
    expect(reading.signal.aborted).toBe(false);
  });

  test('When a NetEase history call gets no answer, then it fails after its timeout even though the caller passed a signal', async () => {
    const history = createNeteaseHistory({ url: silent.url, appKey: 'app-key', appSecret: 'app-secret' }, { quota: createQuota({ perSecond: 1000 }), clock: Date.now, requestTimeoutMs: 200 });
    const read = async () => {
      for await (const message of history.read({ api: 'session', params: { from: 'alice', to: 'bob' }, fromAt: 0, untilAt: 1000 }, reading.signal)) void message;
    };

    await expect(read()).rejects.toThrow(/timeout|aborted/i);
    expect(silent.requests()).toBeLessThanOrEqual(1);
  });
});
