/**
 * The obs-websocket v5 server: one port of its own (4455, OBS's, by default), one ObsSession per client,
 * every client on the same ObsFront. It owns what is about sockets: the subprotocol and its encoding,
 * the size of a message, bad frames, slow readers, the pace of failed logins, and a clean stop.
 *
 * A password guessed by brute force is out of reach: every failed authentication is answered a second
 * later, and one address's failures are answered one after another (so a hundred parallel guesses take a
 * hundred seconds), and an address may hold only a few connections that have not identified yet.
 */
import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { UplinkError } from '../../engine/errors.js';
import { Logger } from '../../engine/log.js';
import { listenOn, refuseUpgrade } from '../http-listen.js';
import { authSecret, randomToken } from './auth.js';
import { chooseSubprotocol, decodeMessage, encodeMessage, encodingOf } from './codec.js';
import { CloseCode, type CloseCodeValue, type Encoding, EventSubscription, OpCode, type ServerMessage, closeReason } from './protocol.js';
import { ObsSession } from './session.js';
import type { ObsEvent, ObsFront } from './types.js';

export const DEFAULT_OBS_WEBSOCKET_PORT = 4455;

export interface ObsWebSocketServerOptions {
  front: ObsFront;
  /** Default 127.0.0.1: only this computer. */
  host?: string;
  /** Default 4455; 0 picks a free port. */
  port?: number;
  /** Clients must authenticate when set (and not empty). */
  password?: string;
  /** The largest message a client may send, in bytes (default 4 MB): a larger one closes its connection. */
  maxPayload?: number;
  /** How long a failed authentication waits before its close (default 1 s). */
  authFailureDelayMs?: number;
  /** Connections from one address that have not identified yet, at most (default 32: every tool of a streamer's desk reconnecting at once fits). */
  maxPendingPerAddress?: number;
  /** A client that has not identified after this long is closed (default 30 s). */
  identifyTimeoutMs?: number;
  /** The canvas's frame rate, for `Sleep`'s `sleepFrames` (default 30). */
  frameRate?: () => number;
  /** Bytes a client may leave unread before it is cut off (default 16 MB); past a tenth, high-volume events skip it. */
  maxBacklog?: number;
  /** Every client is pinged this often; one that has not answered the last ping is cut off (default 30 s). */
  heartbeatMs?: number;
}

const HIGH_VOLUME = EventSubscription.InputVolumeMeters | EventSubscription.InputActiveStateChanged | EventSubscription.InputShowStateChanged | EventSubscription.SceneItemTransformChanged;
/** What a clean stop waits for a client to answer the close, before cutting it off. */
const CLOSE_GRACE_MS = 1000;

interface Client {
  ws: WebSocket;
  session: ObsSession;
  encoding: Encoding;
  address: string;
  pending: boolean;
  identifyTimer: NodeJS.Timeout | undefined;
  /** A pong came since the last ping. */
  alive: boolean;
}

export class ObsWebSocketServer {
  private readonly log = new Logger('obs-websocket');
  private readonly sockets: WebSocketServer;
  private readonly clients = new Set<Client>();
  private readonly pendingByAddress = new Map<string, number>();
  /** When each address's next failed authentication may be answered. */
  private readonly nextFailureAt = new Map<string, number>();
  private readonly failureTimers = new Set<NodeJS.Timeout>();
  private readonly auth: { secret: string; salt: string } | undefined;
  private readonly maxPayload: number;
  private readonly maxBacklog: number;
  private unsubscribe: (() => void) | undefined;
  private http: Server | undefined;
  private stopping: Promise<void> | undefined;
  private listeningPort = 0;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(private readonly options: ObsWebSocketServerOptions) {
    this.maxPayload = options.maxPayload ?? 4 * 1024 * 1024;
    this.maxBacklog = options.maxBacklog ?? 16 * 1024 * 1024;
    this.sockets = new WebSocketServer({ noServer: true, maxPayload: this.maxPayload, handleProtocols: (offered) => chooseSubprotocol(offered) });
    if (options.password) {
      const salt = randomToken();
      this.auth = { salt, secret: authSecret(options.password, salt) };
    }
  }

  get port(): number {
    return this.listeningPort;
  }

  get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  /** Clients connected, identified or not. */
  get clientCount(): number {
    return this.clients.size;
  }

  async start(): Promise<{ host: string; port: number }> {
    const http = createServer((_req, res) => {
      res.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8', Upgrade: 'websocket' });
      res.end('Uplink obs-websocket: connect with an obs-websocket 5 client (ws://)\n');
    });
    http.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
    this.http = http;
    const host = this.host;
    const port = this.options.port ?? DEFAULT_OBS_WEBSOCKET_PORT;
    this.listeningPort = await listenOn(http, host, port, (err) => obsListenError(err, host, port));
    this.unsubscribe = this.options.front.onEvent((event) => this.broadcast(event));
    // A client whose computer went away without closing (sleep, a pulled cable) is found and let go.
    this.heartbeat = setInterval(() => this.pingAll(), this.options.heartbeatMs ?? 30_000);
    return { host, port: this.listeningPort };
  }

  /**
   * Closes every client (cut off after a second) and stops listening. `exit` (Uplink stops): clients
   * hear ExitStarted and the close is 1001, going away. `invalidate` (the streamer turned obs-websocket
   * off or changed its port or password): the close is SessionInvalidated, which tells a client not to
   * reconnect by itself with what it had.
   */
  stop(how: 'exit' | 'invalidate' = 'exit'): Promise<void> {
    this.stopping ??= this.stopNow(how);
    return this.stopping;
  }

  private async stopNow(how: 'exit' | 'invalidate'): Promise<void> {
    this.unsubscribe?.();
    clearInterval(this.heartbeat);
    if (how === 'exit') this.broadcast({ eventType: 'ExitStarted', eventIntent: EventSubscription.General });
    for (const timer of this.failureTimers) clearTimeout(timer);
    this.failureTimers.clear();
    const closed = [...this.clients].map((client) => {
      client.session.close();
      clearTimeout(client.identifyTimer);
      if (client.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const cutOff = setTimeout(() => client.ws.terminate(), CLOSE_GRACE_MS);
        client.ws.once('close', () => {
          clearTimeout(cutOff);
          resolve();
        });
        if (how === 'exit') client.ws.close(1001, 'Uplink is stopping');
        else client.ws.close(CloseCode.SessionInvalidated, 'obs-websocket was turned off or its port or password changed in Uplink');
      });
    });
    this.sockets.close();
    const http = this.http;
    const httpClosed = http?.listening ? new Promise<void>((resolve) => http.close(() => resolve())) : Promise.resolve();
    await Promise.all(closed);
    http?.closeAllConnections();
    await httpClosed;
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    if (this.stopping) return refuseUpgrade(socket, 503, 'Service Unavailable');
    const address = req.socket.remoteAddress ?? 'unknown';
    if ((this.pendingByAddress.get(address) ?? 0) >= (this.options.maxPendingPerAddress ?? 32)) {
      this.log.warn(`too many connections from ${address} that have not identified: one more refused`);
      return refuseUpgrade(socket, 429, 'Too Many Requests');
    }
    this.sockets.handleUpgrade(req, socket, head, (ws) => this.connected(ws, address));
  }

  private connected(ws: WebSocket, address: string): void {
    // ws closes an oversized message with 1009 and no reason: the client is told in words what happened.
    const close = ws.close.bind(ws);
    ws.close = (code?: number, reason?: string | Buffer) => close(code, code === 1009 && !reason ? `message too big: at most ${this.maxPayload} bytes` : reason);

    const encoding = encodingOf(ws.protocol);
    // The session's callbacks run only once it has been made (from hello() on), when `client` is set.
    let client: Client;
    const session = new ObsSession(
      {
        send: (message) => this.send(client, message),
        close: (code, reason) => this.closeClient(client, code, reason),
      },
      {
        front: this.options.front,
        ...(this.auth ? { auth: this.auth } : {}),
        failAuthentication: (closeNow) => this.paceFailure(address, closeNow),
        frameMs: () => 1000 / (this.options.frameRate?.() || 30),
        onIdentified: () => this.settle(client),
      },
    );
    client = { ws, session, encoding, address, pending: true, identifyTimer: undefined, alive: true };
    ws.on('pong', () => (client.alive = true));
    this.clients.add(client);
    this.pendingByAddress.set(address, (this.pendingByAddress.get(address) ?? 0) + 1);
    client.identifyTimer = setTimeout(() => this.closeClient(client, CloseCode.NotIdentified, 'no Identify in time'), this.options.identifyTimeoutMs ?? 30_000);

    ws.on('message', (data, isBinary) => {
      const decoded = decodeMessage(rawBuffer(data), isBinary, encoding);
      if (!decoded.ok) return this.closeClient(client, CloseCode.MessageDecodeError, decoded.reason);
      client.session.receive(decoded.value);
    });
    ws.on('error', (err) => this.log.debug(`a client's socket failed: ${err.message}`));
    ws.on('close', () => {
      client.session.close();
      this.settle(client);
      this.clients.delete(client);
    });
    client.session.hello();
  }

  private pingAll(): void {
    for (const client of this.clients) {
      if (!client.alive) {
        this.log.info(`a client at ${client.address} stopped answering pings: its connection is closed`);
        client.session.close();
        client.ws.terminate();
        continue;
      }
      client.alive = false;
      if (client.ws.readyState === WebSocket.OPEN) client.ws.ping();
    }
  }

  /** The client is no longer one of its address's unidentified connections. */
  private settle(client: Client): void {
    clearTimeout(client.identifyTimer);
    if (!client.pending) return;
    client.pending = false;
    const left = (this.pendingByAddress.get(client.address) ?? 1) - 1;
    if (left > 0) this.pendingByAddress.set(client.address, left);
    else this.pendingByAddress.delete(client.address);
  }

  /** A failed authentication closes a second after the previous one of the same address was answered. */
  private paceFailure(address: string, closeNow: () => void): void {
    const delay = this.options.authFailureDelayMs ?? 1000;
    const now = Date.now();
    const at = Math.max(now, this.nextFailureAt.get(address) ?? 0) + delay;
    this.nextFailureAt.set(address, at);
    this.log.warn(`a client at ${address} failed to authenticate`);
    const timer = setTimeout(() => {
      this.failureTimers.delete(timer);
      if (this.nextFailureAt.get(address) === at) this.nextFailureAt.delete(address);
      closeNow();
    }, at - now);
    this.failureTimers.add(timer);
  }

  private closeClient(client: Client, code: CloseCodeValue, reason: string): void {
    client.session.close();
    if (client.ws.readyState === WebSocket.OPEN) {
      if (code !== CloseCode.AuthenticationFailed) this.log.info(`closing a client (${code}): ${reason}`);
      client.ws.close(code, closeReason(reason));
    }
  }

  private send(client: Client, message: ServerMessage): void {
    if (client.ws.readyState !== WebSocket.OPEN || this.cutOffIfStuck(client)) return;
    client.ws.send(encodeMessage(message, client.encoding));
  }

  /** Memory stays bounded: a client that sends requests (or takes events) but never reads is cut off. */
  private cutOffIfStuck(client: Client): boolean {
    if (client.ws.bufferedAmount <= this.maxBacklog) return false;
    this.log.warn('a client stopped reading: its connection is closed');
    client.session.close();
    client.ws.terminate();
    return true;
  }

  /** Encodes each event once per encoding, whatever the number of clients. */
  private broadcast(event: ObsEvent): void {
    const encoded: Partial<Record<Encoding, string | Uint8Array>> = {};
    const highVolume = (event.eventIntent & HIGH_VOLUME) !== 0;
    for (const client of this.clients) {
      if (!client.session.wants(event) || client.ws.readyState !== WebSocket.OPEN) continue;
      if (this.cutOffIfStuck(client)) continue;
      if (highVolume && client.ws.bufferedAmount > this.maxBacklog / 10) continue;
      encoded[client.encoding] ??= encodeMessage({ op: OpCode.Event, d: event } satisfies ServerMessage, client.encoding);
      client.ws.send(encoded[client.encoding]!);
      client.session.countSent();
    }
  }
}

function obsListenError(err: NodeJS.ErrnoException, host: string, port: number): UplinkError {
  if (err.code === 'EADDRINUSE') return new UplinkError('PORT_IN_USE', `obs-websocket cannot listen on port ${port} of ${host}: it is in use (OBS itself, if it runs, uses 4455): pick another port`, { cause: err });
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') return new UplinkError('HOST_NOT_AVAILABLE', `obs-websocket cannot listen on ${host}: it is not an address of this computer`, { cause: err });
  if (err.code === 'EACCES') return new UplinkError('PORT_NOT_ALLOWED', `obs-websocket cannot listen on port ${port}: it needs more rights than Uplink has: pick a port above 1023`, { cause: err });
  return new UplinkError('LISTEN_FAILED', `obs-websocket cannot listen on ${host}:${port}: ${err.message}`, { cause: err });
}

function rawBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}
