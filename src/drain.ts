import type { Server } from 'node:http';
import type { Socket } from 'node:net';

interface Connection {
  /** Requests on this connection whose response is not finished. */
  active: number;
  idleSince: number;
  /** Bytes read when the connection last became idle: more since means a request is arriving. */
  bytesAtIdle: number;
}

/**
 * Graceful stop for an HTTP server without cutting a request in half. Node's `server.close()` also
 * destroys keep-alive connections that are idle at that instant, racing with a request the client is
 * sending on one of them at that moment (it sees a reset, not a reply). Here the server stops
 * listening, a connection in use is closed by its next response (the service adds `Connection:
 * close` while draining), and an idle one only after it has stayed idle, with nothing arriving, for
 * `idleMs`.
 */
export function drainableServer(server: Server, clock: () => number = Date.now) {
  const connections = new Map<Socket, Connection>();
  server.on('connection', (socket: Socket) => {
    connections.set(socket, { active: 0, idleSince: clock(), bytesAtIdle: socket.bytesRead });
    socket.once('close', () => connections.delete(socket));
  });
  server.on('request', (req, res) => {
    const connection = connections.get(req.socket);
    if (!connection) return;
    connection.active += 1;
    res.once('close', () => {
      connection.active -= 1;
      connection.idleSince = clock();
      connection.bytesAtIdle = req.socket.bytesRead;
    });
  });

  return {
    /** Open connections now. */
    get connections(): number {
      return connections.size;
    },
    /** Stops listening and resolves once every connection has closed as described above. */
    drain(idleMs = 1000): Promise<void> {
      // server.close() calls this to destroy idle connections at once; idle ones are closed below instead.
      server.closeIdleConnections = () => undefined;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const sweep = setInterval(() => {
        const now = clock();
        for (const [socket, connection] of connections) {
          if (connection.active === 0 && now - connection.idleSince >= idleMs && socket.bytesRead === connection.bytesAtIdle) socket.destroy();
        }
      }, Math.min(100, idleMs));
      return closed.finally(() => clearInterval(sweep));
    },
  };
}
