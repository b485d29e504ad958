/**
 * `uplink serve` from a browser's side, with a real studio (real FFmpeg composing the default scene)
 * and the `ws` client as the browser: the token, the default collection, the preview, two browsers at
 * once, one that stops reading, files outside the profile, and the command started and stopped as a
 * process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { StudioState } from '../../electron/contract.js';
import { type EventMessage, type ResultMessage, type ServerMessage, decodePreview } from '../../electron/contract-wire.js';
import { StudioServer } from '../../electron/remote/server.js';
import { tmpDir } from '../helpers/fixtures.js';
import { UPLINK_BIN } from '../helpers/publish.js';
import { until } from '../helpers/wait.js';

/** A front on the studio's WebSocket, as a browser tab is: calls, the events it saw, the preview pictures it got. */
class StudioClient {
  readonly events: EventMessage[] = [];
  readonly pictures: Array<{ seq: number; jpeg: Uint8Array; at: number }> = [];
  private nextId = 1;
  private readonly pending = new Map<number, (result: ResultMessage) => void>();
  private readonly watchers = new Set<() => void>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) {
        const picture = decodePreview(new Uint8Array(data));
        if (picture) this.pictures.push({ ...picture, at: Date.now() });
      } else {
        const message = JSON.parse(data.toString('utf8')) as ServerMessage;
        if (message.type === 'result') this.pending.get(message.id)?.(message);
        else this.events.push(message);
      }
      for (const check of [...this.watchers]) check();
    });
  }

  static open(url: string, options: WebSocket.ClientOptions = {}): Promise<StudioClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, options);
      ws.once('open', () => resolve(new StudioClient(ws)));
      ws.once('unexpected-response', (_req, res) => {
        reject(new Error(`refused: ${res.statusCode}`));
        ws.terminate();
      });
      ws.once('error', reject);
    });
  }

  call(command: string, ...args: unknown[]): Promise<ResultMessage> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, (result) => {
        this.pending.delete(id);
        resolve(result);
      });
      this.ws.send(JSON.stringify({ type: 'call', id, command, args }));
    });
  }

  /** The value of a call that must succeed. */
  async value<T>(command: string, ...args: unknown[]): Promise<T> {
    const result = await this.call(command, ...args);
    if (!result.ok) throw new Error(`${command} failed: ${result.error.code} ${result.error.message}`);
    return result.value as T;
  }

  /** Resolves with the first state event (from now or already seen after `since`) that passes `test`. */
  state(test: (state: StudioState) => boolean, since = 0, ms = 15_000): Promise<StudioState> {
    return this.until(() => {
      for (const event of this.events.slice(since)) if (event.event === 'onState' && test(event.payload as StudioState)) return event.payload as StudioState;
      return undefined;
    }, ms);
  }

  until<T>(check: () => T | undefined, ms = 15_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.watchers.delete(watch);
        reject(new Error(`not seen within ${ms} ms`));
      }, ms);
      const watch = (): void => {
        const found = check();
        if (found === undefined) return;
        clearTimeout(timer);
        this.watchers.delete(watch);
        resolve(found);
      };
      this.watchers.add(watch);
      watch();
    });
  }

  /** Stops reading the socket, as a hidden tab or a stalled link does: the server's side fills up. */
  stopReading(): void {
    (this.ws as unknown as { _socket: Socket })._socket.pause();
  }

  resumeReading(): void {
    (this.ws as unknown as { _socket: Socket })._socket.resume();
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.terminate();
    });
  }
}

/** A raw GET, so that paths are sent as written (fetch would resolve `..`). */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port, pathname, search } = new URL(url);
    // The path goes out as written after the origin (new URL would resolve `..` in it).
    const slash = url.indexOf('/', url.indexOf('//') + 2);
    const path = slash < 0 ? `${pathname}${search}` : url.slice(slash);
    const req = request({ host: hostname, port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const isJpeg = (jpeg: Uint8Array): boolean => jpeg[0] === 0xff && jpeg[1] === 0xd8;

describe('uplink serve', () => {
  const root = tmpDir(`serve-${randomBytes(4).toString('hex')}`);
  const profileDir = join(root, 'profile');
  const rendererDir = join(root, 'renderer');
  let server: StudioServer;
  let base: string;
  let wsUrl: string;
  const clients: StudioClient[] = [];
  const open = async (url = wsUrl, options: WebSocket.ClientOptions = {}): Promise<StudioClient> => {
    const client = await StudioClient.open(url, options);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    // A built renderer in miniature: a page and one hashed asset, as Vite names them.
    mkdirSync(join(rendererDir, 'assets'), { recursive: true });
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Uplink</title><script type="module" src="/assets/index-AbCd1234.js"></script>');
    writeFileSync(join(rendererDir, 'assets', 'index-AbCd1234.js'), 'console.log("studio")');
    server = new StudioServer({ profileDir, port: 0, rendererDir, studio: { cacheDir: tmpDir('serve-cache') } });
    const { url } = await server.start();
    const parsed = new URL(url);
    base = `${parsed.protocol}//${parsed.host}`;
    wsUrl = `ws://${parsed.host}/ws?token=${parsed.searchParams.get('token')}`;
  });

  afterAll(async () => {
    for (const client of clients) await client.close();
    await server?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('refuses every request and WebSocket without the token', async () => {
    expect((await get(`${base}/`)).status).toBe(401);
    expect((await get(`${base}/?token=${'A'.repeat(43)}`)).status).toBe(401);
    expect((await get(`${base}/assets/index-AbCd1234.js`, { Cookie: `uplink_token_${new URL(base).port}=wrong` })).status).toBe(401);
    await expect(StudioClient.open(`ws://${new URL(base).host}/ws`)).rejects.toThrow('refused: 401');
    await expect(StudioClient.open(`ws://${new URL(base).host}/ws?token=wrong`)).rejects.toThrow('refused: 401');
    // Another site's page that learnt the token still cannot open the socket from its own origin.
    await expect(StudioClient.open(wsUrl, { origin: 'https://evil.example' })).rejects.toThrow('refused: 403');
  });

  it('serves the page with the token, then its assets with the cookie the page got, under a strict CSP', async () => {
    const page = await get(`${base}/?token=${server.token}`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'; connect-src 'self' ws: ; img-src 'self' blob: data:; style-src 'self' 'unsafe-inline'");
    expect(page.headers['cache-control']).toBe('no-cache');
    const cookie = String(page.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly; SameSite=Strict/);
    const asCookie = { Cookie: cookie.split(';')[0]! };
    const asset = await get(`${base}/assets/index-AbCd1234.js`, asCookie);
    expect(asset).toMatchObject({ status: 200, body: 'console.log("studio")' });
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(asset.headers['cache-control']).toContain('immutable');
    // Nothing outside the renderer's folder: `..` is resolved within the site (its page comes back), an
    // escaped slash that would climb out is refused.
    expect((await get(`${base}/../../etc/passwd`, asCookie)).body).toContain('<title>Uplink</title>');
    expect((await get(`${base}/%2e%2e%2f%2e%2e%2fetc%2fpasswd`, asCookie)).status).toBe(404);
    expect((await get(`${base}/assets/missing.js`, asCookie)).status).toBe(404);
    // The browser's WebSocket carries the same cookie.
    const client = await open(`ws://${new URL(base).host}/ws`, { headers: asCookie });
    expect((await client.call('getState')).ok).toBe(true);
  });

  it('runs the default scene (the test pattern and a tone: no camera here) and sends its preview as JPEG pictures', async () => {
    const client = await open();
    const state = await client.value<StudioState>('getState');
    const collection = state.scenes!.collection;
    expect(collection.canvas).toEqual({ width: 1280, height: 720, fps: 30 });
    expect(collection.scenes.map((s) => s.name)).toEqual(['Scene']);
    expect(collection.sources.map((s) => s.kind)).toEqual(['test-pattern', 'tone']);
    const picture = await client.until(() => client.pictures[0]);
    expect(isJpeg(picture.jpeg)).toBe(true);
    // The profile holds what runs.
    expect(JSON.parse(readFileSync(join(profileDir, 'collection.json'), 'utf8'))).toMatchObject({ scenes: [{ name: 'Scene' }] });
  });

  it('shows every browser the same state: a change from one reaches both, and is saved to the profile', async () => {
    const [a, b] = [await open(), await open()];
    const sceneId = await b.value<string>('addScene', 'Interview');
    const hasScene = (s: StudioState): boolean => s.scenes?.collection.scenes.some((scene) => scene.id === sceneId) ?? false;
    await Promise.all([a.state(hasScene), b.state(hasScene)]);
    const since = a.events.length;
    await a.value('setProgramScene', sceneId);
    await Promise.all([a.state((s) => s.scenes?.programSceneId === sceneId, since), b.state((s) => s.scenes?.programSceneId === sceneId)]);
    await until(() => readFileSync(join(profileDir, 'collection.json'), 'utf8').includes('Interview'));

    // Destinations are kept in the profile's settings too (never the key), for the next start.
    await a.value('addDestination', { name: 'Kept', service: 'custom', serverUrl: 'rtmp://127.0.0.1:1935/live', streamKey: 'serve-kept-key' });
    await until(() => existsSync(join(profileDir, 'settings.json')) && readFileSync(join(profileDir, 'settings.json'), 'utf8').includes('Kept'));
    expect(readFileSync(join(profileDir, 'settings.json'), 'utf8')).not.toContain('serve-kept-key');
  });

  it('keeps the preview and the events flowing to one browser while another stops reading for 10 s', async () => {
    const [reader, stalled] = [await open(), await open()];
    await stalled.until(() => stalled.pictures[0]);
    const stalledBefore = stalled.pictures.length;
    stalled.stopReading();
    const start = Date.now();
    const picturesAtStart = reader.pictures.length;
    const renames: string[] = [];
    const sceneId = (await reader.value<StudioState>('getState')).scenes!.collection.scenes[0]!.id;
    // A call and its onState every second of the stall, from the browser that still reads.
    while (Date.now() - start < 10_000) {
      const name = `Scene ${renames.length + 1}`;
      const since = reader.events.length;
      await reader.value('renameScene', sceneId, name);
      await reader.state((s) => s.scenes?.collection.scenes[0]?.name === name, since, 5_000);
      renames.push(name);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const stallMs = Date.now() - start;
    const during = reader.pictures.filter((p) => p.at >= start);
    const lastSecond = during.filter((p) => p.at >= start + stallMs - 2_000);
    console.log(
      `stall ${(stallMs / 1000).toFixed(1)} s: the reading browser got ${reader.pictures.length - picturesAtStart} pictures (${((during.length * 1000) / stallMs).toFixed(1)}/s) and ${renames.length} state changes; ` +
        `the stalled one ${stalled.pictures.length - stalledBefore} while paused`,
    );
    expect(during.length).toBeGreaterThan((stallMs / 1000) * 3);
    expect(lastSecond.length).toBeGreaterThan(0);
    expect(renames.length).toBeGreaterThanOrEqual(8);
    // Once it reads again it gets every state change it missed (pictures were dropped, not the state).
    stalled.resumeReading();
    const lastName = renames.at(-1)!;
    await stalled.state((s) => s.scenes?.collection.scenes[0]?.name === lastName);
  }, 60_000);

  it('refuses files outside the profile media and recordings folders', async () => {
    const client = await open();
    const recording = await client.call('startRecording', '/tmp/out.mkv');
    expect(recording).toMatchObject({ ok: false, error: { code: 'PATH_NOT_ALLOWED', field: 'file' } });
    const escape = await client.call('startRecording', join(profileDir, 'recordings', '..', '..', 'escape.mkv'));
    expect(escape).toMatchObject({ ok: false, error: { code: 'PATH_NOT_ALLOWED' } });
    const image = await client.call('addSource', { kind: 'image', name: 'passwords', settings: { file: '/etc/passwd' } });
    expect(image).toMatchObject({ ok: false, error: { code: 'PATH_NOT_ALLOWED', field: 'source.settings.file' } });
    const state = await client.value<StudioState>('getState');
    expect(state.recording.active).toBe(false);
    expect(state.scenes!.collection.sources.some((s) => s.kind === 'image')).toBe(false);
  });
});

describe('uplink serve as a command', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child?.exitCode === null) child.kill('SIGKILL');
  });

  it('prints the address with a token on a free port, serves it, and stops cleanly on Ctrl-C', async () => {
    const profile = tmpDir(`serve-cli-${randomBytes(4).toString('hex')}`);
    child = spawn(process.execPath, [UPLINK_BIN, 'serve', '--port', '0', '--profile', profile], {
      env: { ...process.env, UPLINK_CACHE_DIR: tmpDir('serve-cache') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const exited = new Promise<number | null>((resolve) => child!.on('close', (code) => resolve(code)));
    await until(() => /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{43}\n/.test(stdout) || child!.exitCode !== null, 30_000);
    const url = /http:\/\/127\.0\.0\.1:(\d+)\/\?token=[\w-]{43}/.exec(stdout)?.[0];
    expect(url, stderr).toBeDefined();
    expect(new URL(url!).port).not.toBe('0');
    expect([200, 503]).toContain((await get(url!)).status);
    expect((await get(new URL(url!).origin)).status).toBe(401);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    rmSync(profile, { recursive: true, force: true });
  }, 60_000);
});
