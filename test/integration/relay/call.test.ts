import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { relayPost } from '../../../src/sinks/relay/call';
import { UnansweredSendError } from '../../../src/sinks/relay/errors';
import { startLoopbackHttp } from '../../helpers/loopback-http';

/** A send API on loopback at /send whose every request is handled by `handle`. */
async function target(handle: (res: ServerResponse, socket: Socket) => void) {
  const server = await startLoopbackHttp((req, _body, res) => handle(res, req.socket));
  return { url: `${server.url}/send`, close: server.close };
}

const request = { headers: { 'content-type': 'application/json' }, body: '{"to":["u1"]}' };
const caught = async (promise: Promise<unknown>): Promise<Error> => promise.then(() => new Error('resolved'), (error: Error) => error);

describe('relayPost', () => {
  let api: { url: string; close(): Promise<void> } | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  test('When the target answers, then the status and its JSON object come back (an answer that is not one reads as {})', async () => {
    let answer = '{"data":{"u1":"m-1"}}';
    api = await target((res) => {
      res.writeHead(429, { 'content-type': 'application/json' });
      res.end(answer);
    });

    expect(await relayPost('Easemob users send', api.url, request, new AbortController().signal, 5000)).toEqual({ status: 429, json: { data: { u1: 'm-1' } } });
    for (answer of ['<html>busy</html>', 'null', '[1]']) expect((await relayPost('x', api.url, request, new AbortController().signal, 5000)).json).toEqual({});
  });

  test('When the connection is refused, then the send failed without reaching the target (not unanswered)', async () => {
    api = await target(() => undefined);
    const url = api.url;
    await api.close();
    api = undefined;

    const error = await caught(relayPost('Easemob users send', url, request, new AbortController().signal, 5000));

    expect(error).not.toBeInstanceOf(UnansweredSendError);
    expect(error.message).toMatch(/^Easemob users send failed: /);
  });

  test('When the target takes the request and closes the connection or never answers, then the send is unanswered (it may have arrived)', async () => {
    api = await target((_res, socket) => socket.destroy());
    const broken = await caught(relayPost('Tencent send', api.url, request, new AbortController().signal, 5000));
    await api.close();
    api = await target(() => undefined);
    const silent = await caught(relayPost('Tencent send', api.url, request, new AbortController().signal, 200));

    expect(broken).toBeInstanceOf(UnansweredSendError);
    expect(broken.message).toMatch(/^Tencent send failed: /);
    expect(silent).toBeInstanceOf(UnansweredSendError);
    expect(silent.message).toBe('Tencent send got no answer within 200 ms');
  });

  test("When the caller aborts, then its reason is what the send throws", async () => {
    api = await target(() => undefined);
    const stop = new AbortController();
    const sending = relayPost('NetEase send send', api.url, request, stop.signal, 5000);
    stop.abort(new Error('the sink is closing'));

    await expect(sending).rejects.toThrow('the sink is closing');
  });
});
