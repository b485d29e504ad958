/**
 * `uplink serve`: one headless studio, the built renderer over HTTP and the contract over a WebSocket at
 * `/ws`, for any number of browsers at once (one ContractSession each, all on the same Studio, so they
 * see the same state and preview).
 *
 * Whoever holds the token controls the studio, so every request needs it: in the query (`?token=`, the
 * printed URL) or in the cookie the page gets on its first authorised load (so that its assets and its
 * WebSocket need nothing in their URLs). A remote front cannot name files outside the profile's media and
 * recordings folders (paths.ts), and a browser that stops reading loses preview pictures, never the
 * program or the other browsers.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { homedir } from 'node:os';
import type { Duplex } from 'node:stream';
import { extname, join, resolve } from 'node:path';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { ContractSession } from '../engine/contract-server.js';
import { UplinkError, errorMessage } from '../engine/errors.js';
import { Logger } from '../engine/log.js';
import { packageRoot } from '../engine/paths.js';
import { DEFAULT_PREVIEW } from '../engine/scenes/preview.js';
import { Studio, type StudioOptions } from '../engine/studio.js';
import { type ProfileSaver, openProfile } from '../engine/profile/studio-profile.js';
import { listenOn, refuseUpgrade } from './http-listen.js';
import { isInside, remotePathGuard } from './paths.js';
import { type ObsServerConfig, ObsWebSocketController } from './obs/controller.js';
import { createObsFront } from './obs/front.js';

// The engine host runs obs-websocket too; fronts may import this module only, so it passes these on.
export { ObsWebSocketController } from './obs/controller.js';
export { createObsFront } from './obs/front.js';
export { DEFAULT_OBS_WEBSOCKET_PORT } from './obs/server.js';

export interface StudioServerOptions {
  /** The profile folder: collection.json, and the media and recordings folders remote fronts may use. */
  profileDir: string;
  /** Default 127.0.0.1: only this computer. */
  host?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** The built renderer; default dist/renderer in the package. */
  rendererDir?: string;
  /** How the studio finds FFmpeg, where it caches, where keys are kept. */
  studio?: Pick<StudioOptions, 'ffmpegPath' | 'cacheDir' | 'secrets' | 'publisher' | 'preview'>;
  /**
   * obs-websocket as the flags set it (--obs-websocket-port): always on, whatever the profile's setting.
   * Without it the server follows the setting (off until turned on in the studio's settings).
   */
  obsWebSocket?: ObsServerConfig;
}

/** The folders under the profile whose files a remote front may name. */
export function allowedRoots(profileDir: string): string[] {
  return [join(profileDir, 'media'), join(profileDir, 'recordings')];
}

/**
 * Where `uplink serve` keeps its profile when --profile does not say: the OS's folder for an
 * application's data (not its cache: scenes are the streamer's work).
 */
export function defaultProfileDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Uplink', 'Profile');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Uplink', 'Profile');
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'uplink', 'profile');
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; connect-src 'self' ws: ; img-src 'self' blob: data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";

/** Sent with every answer: the page runs only its own code and is never framed by another site. */
const SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  // The page's URL carries the token: no other site may see it as a referrer.
  'Referrer-Policy': 'no-referrer',
} as const;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/** Vite names built assets `name-HASH.ext`: their content never changes under that name. */
const HASHED_ASSET = /^\/assets\/.+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;

const NOT_BUILT = 'The studio is not built: run npm run build, then reload this page.\n';
const UNAUTHORISED = 'uplink serve: open the address with its token, as uplink serve printed it.\n';

/** A browser whose unread text passes this is too far behind to catch up: it is cut off and reconnects with one getState. */
const MAX_TEXT_BACKLOG = 16 * 1024 * 1024;
/** ContractSession refuses calls over 1 MB of JSON; a frame a little larger is refused by ws itself. */
const MAX_INCOMING_BYTES = 4 * 1024 * 1024;

export class StudioServer {
  /** 32 random bytes: guessing it is out of reach, so it alone guards the studio. */
  readonly token = randomBytes(32).toString('base64url');
  readonly studio: Studio;
  private readonly log = new Logger('serve');
  private readonly rendererDir: string;
  /** Saves the scenes to the profile, once the server has started. */
  private saver: ProfileSaver | undefined;
  private readonly sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_INCOMING_BYTES });
  private readonly sessions = new Map<WebSocket, ContractSession>();
  private readonly guard: ReturnType<typeof remotePathGuard>;
  private http: Server | undefined;
  private port = 0;
  private stopping: Promise<void> | undefined;
  private obs: ObsWebSocketController | undefined;

  constructor(private readonly options: StudioServerOptions) {
    this.rendererDir = resolve(options.rendererDir ?? join(packageRoot(), 'dist', 'renderer'));
    this.studio = new Studio({ preview: DEFAULT_PREVIEW, ...options.studio, meters: true, recordingsDir: join(options.profileDir, 'recordings') });
    this.guard = remotePathGuard(allowedRoots(options.profileDir));
  }

  /** Prepares the profile, runs its scenes and listens; the URL carries the token. */
  async start(): Promise<{ url: string }> {
    try {
      return await this.startNow();
    } catch (err) {
      // Whatever started (the compositor's FFmpeg) stops with it.
      await this.stop();
      throw err;
    }
  }

  private async startNow(): Promise<{ url: string }> {
    for (const root of allowedRoots(this.options.profileDir)) await mkdir(root, { recursive: true });
    this.saver = await openProfile(this.studio, this.options.profileDir);

    const http = createServer((req, res) => void this.request(req, res));
    http.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
    this.http = http;
    const host = this.options.host ?? '127.0.0.1';
    const port = this.options.port ?? 8080;
    this.port = await listenOn(http, host, port, (err) => listenError(err, host, port));
    const [mediaDir, recordingsDir] = allowedRoots(this.options.profileDir) as [string, string];
    this.obs = new ObsWebSocketController(this.studio, {
      folders: { profileDir: this.options.profileDir, mediaDir, recordingsDir },
      createFront: (port) => createObsFront(port),
      ...(this.options.obsWebSocket ? { fixed: this.options.obsWebSocket } : {}),
      ...(this.options.host === undefined ? {} : { host: this.options.host }),
    });
    await this.obs.start();
    const shownHost = host.includes(':') ? `[${host}]` : host;
    return { url: `http://${shownHost}:${this.port}/?token=${this.token}` };
  }

  /** Closes every browser's socket, stops the studio (stream and recording included) and saves the scenes. */
  stop(): Promise<void> {
    this.stopping ??= this.stopNow();
    return this.stopping;
  }

  /** Where obs-websocket listens, while it does. */
  get obsWebSocketAddress(): { host: string; port: number } | undefined {
    return this.obs?.address;
  }

  private async stopNow(): Promise<void> {
    // obs-websocket clients hear ExitStarted while the studio is still whole.
    await this.obs?.stop();
    for (const [ws, session] of this.sessions) {
      session.close();
      ws.terminate();
    }
    this.sessions.clear();
    this.sockets.close();
    const http = this.http;
    if (http?.listening) {
      const closed = new Promise<void>((done) => http.close(() => done()));
      http.closeAllConnections();
      await closed;
    }
    await this.saver?.stop();
    await this.studio.dispose();
  }

  // ------------------------------------------------------------------------------------------ the token

  /** The cookie is per port: browsers share cookies across the ports of one host. */
  private get cookieName(): string {
    return `uplink_token_${this.port}`;
  }

  private authorised(req: IncomingMessage): { ok: boolean; viaQuery: boolean } {
    const query = new URL(req.url ?? '/', 'http://uplink').searchParams.get('token');
    if (query !== null && sameSecret(query, this.token)) return { ok: true, viaQuery: true };
    const cookie = cookieValue(req.headers.cookie, this.cookieName);
    return { ok: cookie !== undefined && sameSecret(cookie, this.token), viaQuery: false };
  }

  // --------------------------------------------------------------------------------------------- HTTP

  private async request(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const auth = this.authorised(req);
      if (!auth.ok) return plain(res, 401, UNAUTHORISED);
      if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'uplink serve: only GET and HEAD\n', { Allow: 'GET, HEAD' });
      if (auth.viaQuery) res.setHeader('Set-Cookie', `${this.cookieName}=${this.token}; HttpOnly; SameSite=Strict; Path=/`);
      await this.serveFile(req, res);
    } catch (err) {
      this.log.warn(`a request failed: ${errorMessage(err)}`);
      if (!res.headersSent) plain(res, 500, 'uplink serve: this request failed\n');
      else res.destroy();
    }
  }

  private async serveFile(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const index = join(this.rendererDir, 'index.html');
    if (!(await isFile(index))) return plain(res, 503, NOT_BUILT);
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://uplink').pathname);
    } catch {
      return plain(res, 400, 'uplink serve: a bad address\n');
    }
    let file = resolve(this.rendererDir, `.${pathname}`);
    if (pathname.includes('\0') || !isInside(file, this.rendererDir)) return plain(res, 404, 'uplink serve: no such file\n');
    if (pathname === '/' || !(await isFile(file))) {
      // A path without an extension is a page of the app (its own routing); anything else is missing.
      if (pathname !== '/' && extname(pathname) !== '') return plain(res, 404, 'uplink serve: no such file\n');
      file = index;
    }
    const size = (await stat(file)).size;
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': size,
      // The page is checked for a new build each load; its hashed assets are kept for good.
      'Cache-Control': HASHED_ASSET.test(pathname) ? 'private, max-age=31536000, immutable' : 'no-cache',
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  }

  // ---------------------------------------------------------------------------------------- WebSocket

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const pathname = new URL(req.url ?? '/', 'http://uplink').pathname;
    if (pathname !== '/ws') return refuseUpgrade(socket, 404, 'Not Found');
    if (!this.authorised(req).ok) return refuseUpgrade(socket, 401, 'Unauthorized');
    // A page of another site could carry the query token it somehow learnt, never the SameSite cookie:
    // a browser's WebSocket says where it comes from, and it must be this server.
    const origin = req.headers.origin;
    if (origin !== undefined && !sameOrigin(origin, req.headers.host)) return refuseUpgrade(socket, 403, 'Forbidden');
    if (this.stopping) return refuseUpgrade(socket, 503, 'Service Unavailable');
    this.sockets.handleUpgrade(req, socket, head, (ws) => this.connected(ws));
  }

  private connected(ws: WebSocket): void {
    const session = new ContractSession(
      this.studio,
      {
        sendText: (text) => this.sendText(ws, text),
        sendBinary: (data) => {
          if (ws.readyState === WebSocket.OPEN) ws.send(data, { binary: true });
        },
        backlog: () => ws.bufferedAmount,
      },
      { guard: this.guard },
    );
    this.sessions.set(ws, session);
    ws.on('message', (data, isBinary) => {
      // The front sends only calls, as JSON text.
      if (!isBinary) session.receive(rawText(data));
    });
    ws.on('error', (err) => this.log.debug(`a browser's socket failed: ${err.message}`));
    ws.on('close', () => {
      session.close();
      this.sessions.delete(ws);
    });
  }

  private sendText(ws: WebSocket, text: string): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > MAX_TEXT_BACKLOG) {
      // Memory stays bounded: events for a browser that never reads are not kept forever.
      this.log.warn('a browser stopped reading for too long: its connection is closed (it reconnects when it reads again)');
      this.sessions.get(ws)?.close();
      ws.terminate();
      return;
    }
    ws.send(text);
  }
}

/** Compared as hashes, in constant time: neither the content nor the length of the token leaks by timing. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function sameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

function listenError(err: NodeJS.ErrnoException, host: string, port: number): UplinkError {
  if (err.code === 'EADDRINUSE') return new UplinkError('PORT_IN_USE', `port ${port} is in use on ${host}: pick another with --port (--port 0 picks a free one)`, { cause: err });
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') return new UplinkError('HOST_NOT_AVAILABLE', `${host} is not an address of this computer: give one of its addresses with --host`, { cause: err });
  if (err.code === 'EACCES') return new UplinkError('PORT_NOT_ALLOWED', `port ${port} needs more rights than Uplink has: pick a port above 1023 with --port`, { cause: err });
  return new UplinkError('LISTEN_FAILED', `cannot listen on ${host}:${port}: ${err.message}`, { cause: err });
}

function plain(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  res.end(text);
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (info) => info.isFile(),
    () => false,
  );
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)).toString('utf8');
}
