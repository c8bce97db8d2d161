import { getEventListeners } from 'node:events';
import { callVendor, maxAnswerBytes } from '../../src/protocols/vendor-call';
import { startLoopbackHttp, type LoopbackHttp } from '../helpers/loopback-http';

describe('callVendor', () => {
  let api: LoopbackHttp | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  test('When a vendor answers, then the call (naming itself in User-Agent) returns its status and whole text, and later calls reuse the connections', async () => {
    api = await startLoopbackHttp((req, body, res) => {
      res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, type: req.headers['content-type'], agent: req.headers['user-agent'], body }));
    });

    const ok = await callVendor(`${api.url}/v4/x?a=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"GroupId":"g1"}' });
    const missing = await callVendor(`${api.url}/missing`, { method: 'GET' });
    for (let call = 0; call < 8; call++) await callVendor(`${api.url}/missing`, { method: 'GET' });

    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text)).toEqual({ method: 'POST', type: 'application/json', agent: 'im-callback-gateway', body: '{"GroupId":"g1"}' });
    // An error answer is read whole too, so its connection serves the next call.
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.text)).toMatchObject({ method: 'GET' });
    // Ten calls one after another: kept-alive connections (undici may open a second while the first is released).
    expect(api.connections()).toBeLessThanOrEqual(2);
  });

  test('When an answer is larger than the bound, then the call fails instead of holding it in memory', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 'a');
    api = await startLoopbackHttp((_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      // No content-length: the bound must hold on a streamed answer, not only on a declared one.
      const chunks = Math.ceil(maxAnswerBytes / chunk.length) + 1;
      const write = (left: number): void => {
        if (left === 0 || res.destroyed) return void res.end();
        if (res.write(chunk)) write(left - 1);
        else res.once('drain', () => write(left - 1));
      };
      write(chunks);
    });

    await expect(callVendor(api.url, { method: 'GET' })).rejects.toMatchObject({ code: 'UND_ERR_RES_EXCEEDED_MAX_SIZE' });
  });

  test('When the signal aborts, then a call that got no answer rejects with its reason', async () => {
    api = await startLoopbackHttp(() => undefined);
    const stop = new AbortController();

    const call = callVendor(api.url, { method: 'POST', body: '{}', signal: stop.signal });
    stop.abort(new Error('the read was stopped'));

    await expect(call).rejects.toThrow('the read was stopped');
  });

  test('When a call gets no answer within its timeout, then it rejects with a TimeoutError, and the caller’s signal stays as it was', async () => {
    api = await startLoopbackHttp(() => undefined);
    const reading = new AbortController();

    await expect(callVendor(api.url, { method: 'POST', body: '{}', signal: reading.signal, timeoutMs: 100 })).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(reading.signal.aborted).toBe(false);
  });

  test('When a call with a timeout is answered, then nothing of its timeout is left on the caller’s signal', async () => {
    api = await startLoopbackHttp((_req, _body, res) => res.end('{}'));
    const reading = new AbortController();

    const answer = await callVendor(api.url, { method: 'POST', body: '{}', signal: reading.signal, timeoutMs: 10_000 });

    expect(answer.status).toBe(200);
    expect(getEventListeners(reading.signal, 'abort')).toHaveLength(0);
  });
});
