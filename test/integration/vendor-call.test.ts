import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { callVendor, maxAnswerBytes } from '../../src/protocols/vendor-call';

/** A vendor API on loopback: `answer` replies; connections and request bodies are counted. */
async function vendorApi(answer: (req: IncomingMessage, body: string, res: ServerResponse) => void) {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => answer(req, Buffer.concat(chunks).toString('utf8'), res));
  });
  server.on('connection', (socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('callVendor', () => {
  let api: Awaited<ReturnType<typeof vendorApi>> | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  test('When a vendor answers, then the call (naming itself in User-Agent) returns its status and whole text, and later calls reuse the connections', async () => {
    api = await vendorApi((req, body, res) => {
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
    api = await vendorApi((_req, _body, res) => {
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
    api = await vendorApi(() => undefined);
    const stop = new AbortController();

    const call = callVendor(api.url, { method: 'POST', body: '{}', signal: stop.signal });
    stop.abort(new Error('the read was stopped'));

    await expect(call).rejects.toThrow('the read was stopped');
  });
});
