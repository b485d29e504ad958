// A TCP proxy on loopback in front of a real server, for the faults a streamer's uplink meets: a link
// slower than the stream (throttle), a link that stops moving without closing (stall: the proxy stops
// reading, the TCP windows fill, the client's writes back up), connections cut, and a server address that
// refuses connections for a while (as when the server restarts). Everything is controlled by the test.

import { type Server, type Socket, connect, createServer } from 'node:net';

export interface ThrottleProxy {
  /** The port clients connect to; it stays the same across refuse() / accept(). */
  readonly port: number;
  /** rtmp://127.0.0.1:PORT/app/key */
  url(app: string, key: string): string;
  /** Limits client-to-server bytes per second; `undefined` lifts the limit. */
  throttle(bytesPerSecond: number | undefined): void;
  /** Stops reading from both sides of every connection, new ones included: the TCP windows fill. */
  stall(): void;
  /** Lifts stall and throttle. */
  resume(): void;
  /** Resets every open connection (RST), as a network cut does. */
  cut(): void;
  /**
   * Resets the client side of every open connection and tells the server nothing: its side stays open
   * and silent, as when a network drops a connection without the server noticing. The server holds the
   * old session until its own timeout (nginx-rtmp: "Already publishing" meanwhile).
   */
  cutClientsOnly(): void;
  /** Stops listening: connections are refused, as by a server that is down. Open connections stay. */
  refuse(): Promise<void>;
  /** Listens again on the same port, forwarding to `targetPort` when given. */
  accept(targetPort?: number): Promise<void>;
  /** Connections open now. */
  readonly connections: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Client-to-server bytes handed to the server so far. */
  readonly bytesForwarded: number;
  stop(): Promise<void>;
}

/** Bytes read from a client and not yet forwarded above which the proxy stops reading it. */
const MAX_PENDING = 64 * 1024;
const TICK_MS = 10;
/** A throttled link may send this much time's worth of bytes at once after an idle spell. */
const BURST_MS = 50;

interface Pipe {
  client: Socket;
  upstream: Socket;
  upstreamConnected: boolean;
  pending: Buffer[];
  pendingBytes: number;
  clientEnded: boolean;
  tokens: number;
}

export async function startThrottleProxy(options: { targetPort: number; host?: string }): Promise<ThrottleProxy> {
  const host = options.host ?? '127.0.0.1';
  let targetPort = options.targetPort;
  let rate: number | undefined;
  let stalled = false;
  let accepted = 0;
  let bytesForwarded = 0;
  const pipes = new Set<Pipe>();
  /** Server sides left open by cutClientsOnly(), ended by stop(). */
  const orphans = new Set<Socket>();
  let ticker: NodeJS.Timeout | undefined;
  let server: Server | undefined;
  let port = 0;

  const updateTicker = (): void => {
    const needed = rate !== undefined && !stalled && pipes.size > 0;
    if (needed && !ticker) {
      let last = performance.now();
      ticker = setInterval(() => {
        const now = performance.now();
        const earned = ((now - last) / 1000) * (rate ?? 0);
        last = now;
        const cap = ((rate ?? 0) * BURST_MS) / 1000;
        for (const pipe of pipes) {
          pipe.tokens = Math.min(cap, pipe.tokens + earned);
          pump(pipe);
        }
      }, TICK_MS);
      ticker.unref();
    } else if (!needed && ticker) {
      clearInterval(ticker);
      ticker = undefined;
    }
  };

  const close = (pipe: Pipe): void => {
    if (!pipes.delete(pipe)) return;
    pipe.client.destroy();
    pipe.upstream.destroy();
    updateTicker();
  };

  /** Forwards what the budget allows, then reads more from the client if there is room. */
  const pump = (pipe: Pipe): void => {
    if (stalled) return;
    if (!pipe.upstreamConnected) {
      if (pipe.clientEnded && pipe.pendingBytes === 0) close(pipe);
      return;
    }
    while (pipe.pending.length > 0 && !pipe.upstream.writableNeedDrain) {
      let chunk = pipe.pending[0]!;
      if (rate !== undefined) {
        const allowed = Math.floor(pipe.tokens);
        if (allowed <= 0) break;
        if (chunk.length > allowed) {
          pipe.pending[0] = chunk.subarray(allowed);
          chunk = chunk.subarray(0, allowed);
        } else {
          pipe.pending.shift();
        }
        pipe.tokens -= chunk.length;
      } else {
        pipe.pending.shift();
      }
      pipe.pendingBytes -= chunk.length;
      bytesForwarded += chunk.length;
      pipe.upstream.write(chunk);
    }
    if (pipe.pending.length === 0 && pipe.clientEnded) {
      if (pipe.upstreamConnected) pipe.upstream.end();
      else close(pipe);
      return;
    }
    if (pipe.pendingBytes < MAX_PENDING / 2 && pipe.client.isPaused()) pipe.client.resume();
  };

  const onConnection = (client: Socket): void => {
    accepted++;
    const upstream = connect({ host, port: targetPort });
    const pipe: Pipe = { client, upstream, upstreamConnected: false, pending: [], pendingBytes: 0, clientEnded: false, tokens: 0 };
    pipes.add(pipe);
    updateTicker();
    client.setNoDelay(true);
    client.on('error', () => close(pipe));
    upstream.on('error', () => close(pipe));
    // What the client sent before it left still goes to the server, then the server sees the end.
    client.on('close', () => {
      pipe.clientEnded = true;
      pump(pipe);
    });
    upstream.on('close', () => close(pipe));
    upstream.on('connect', () => {
      upstream.setNoDelay(true);
      pipe.upstreamConnected = true;
      if (stalled) upstream.pause();
      pump(pipe);
    });
    upstream.on('drain', () => pump(pipe));
    // The way back (server to client) is never throttled, only stalled.
    upstream.on('data', (data: Buffer) => {
      if (!client.destroyed) client.write(data);
    });
    upstream.on('end', () => client.end());
    client.on('data', (data: Buffer) => {
      pipe.pending.push(data);
      pipe.pendingBytes += data.length;
      if (pipe.pendingBytes >= MAX_PENDING) client.pause();
      pump(pipe);
    });
    client.on('end', () => {
      pipe.clientEnded = true;
      pump(pipe);
    });
    if (stalled) client.pause();
  };

  const listen = (listenPort: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const next = createServer(onConnection);
      next.once('error', reject);
      next.listen(listenPort, host, () => {
        next.removeListener('error', reject);
        server = next;
        port = (next.address() as { port: number }).port;
        resolve();
      });
    });

  await listen(0);

  return {
    get port() {
      return port;
    },
    url: (app, key) => `rtmp://${host}:${port}/${app}/${key}`,
    throttle(bytesPerSecond) {
      rate = bytesPerSecond;
      for (const pipe of pipes) {
        pipe.tokens = 0;
        pump(pipe);
      }
      updateTicker();
    },
    stall() {
      stalled = true;
      for (const pipe of pipes) {
        pipe.client.pause();
        pipe.upstream.pause();
      }
      updateTicker();
    },
    resume() {
      stalled = false;
      rate = undefined;
      for (const pipe of pipes) {
        pipe.upstream.resume();
        pump(pipe);
        if (pipe.pendingBytes < MAX_PENDING) pipe.client.resume();
      }
      updateTicker();
    },
    cut() {
      for (const pipe of [...pipes]) {
        pipe.client.resetAndDestroy();
        pipe.upstream.resetAndDestroy();
        close(pipe);
      }
    },
    cutClientsOnly() {
      for (const pipe of [...pipes]) {
        pipes.delete(pipe);
        pipe.upstream.removeAllListeners('close');
        pipe.upstream.removeAllListeners('data');
        pipe.upstream.pause();
        pipe.upstream.on('close', () => orphans.delete(pipe.upstream));
        orphans.add(pipe.upstream);
        // Nothing of the client's end may reach the server: no FIN, no pending bytes.
        pipe.client.removeAllListeners();
        pipe.client.on('error', () => undefined);
        pipe.client.resetAndDestroy();
      }
      updateTicker();
    },
    async refuse() {
      const current = server;
      server = undefined;
      // close() stops accepting at once; its callback waits for open connections, which may stay.
      current?.close();
    },
    async accept(nextTarget) {
      if (nextTarget !== undefined) targetPort = nextTarget;
      if (server) return;
      await listen(port);
    },
    get connections() {
      return pipes.size;
    },
    get accepted() {
      return accepted;
    },
    get bytesForwarded() {
      return bytesForwarded;
    },
    async stop() {
      for (const pipe of [...pipes]) close(pipe);
      for (const socket of orphans) socket.destroy();
      orphans.clear();
      if (ticker) clearInterval(ticker);
      ticker = undefined;
      const current = server;
      server = undefined;
      if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
    },
  };
}
