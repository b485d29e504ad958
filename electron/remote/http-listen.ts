/**
 * What the web remote's and obs-websocket's HTTP servers share: listening with a failure turned into the
 * server's own one-line error, and refusing a WebSocket upgrade with a plain status.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

/** Listens on `host:port` (0 picks a free port) and resolves with the port; a failure rejects with `explain(err)`. */
export function listenOn(http: Server, host: string, port: number, explain: (err: NodeJS.ErrnoException) => Error): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException): void => reject(explain(err));
    http.once('error', failed);
    http.listen(port, host, () => {
      http.off('error', failed);
      resolve((http.address() as AddressInfo).port);
    });
  });
}

/** Answers an upgrade request with a status and closes the socket. */
export function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
