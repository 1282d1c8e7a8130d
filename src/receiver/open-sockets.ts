/**
 * The TCP connections a server has accepted and not yet closed. A graceful close answers what
 * was asked and then drops these: what is left never became a call (a TLS handshake in progress,
 * a client that sent nothing), and Node would keep it until its handshake timeout, 120 s.
 */
import type { Server, Socket } from 'node:net';

export interface OpenSockets {
  destroyAll(): void;
}

export function trackOpenSockets(server: Server): OpenSockets {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return {
    destroyAll() {
      for (const socket of sockets) socket.destroy();
    },
  };
}
