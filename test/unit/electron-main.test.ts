/**
 * The main process under Node: every piece takes the Electron API it uses, so fakes stand in for it
 * (the real `electron` is never imported here). Window options, CSP, navigation and new windows,
 * openExternal, IPC sender checks, permissions, safeStorage keys and their weaker fallback, hotkeys,
 * macOS media prompts, and the engine host's restart after a crash.
 */
import { EventEmitter } from 'node:events';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { Notice } from '../../electron/contract.js';
import { MemorySecretStore } from '../../electron/engine/secrets.js';
import { type ElectronApi, startApp } from '../../electron/main/app.js';
import { type HostProcess, HostSupervisor } from '../../electron/main/host-supervisor.js';
import type { MainToHost } from '../../electron/main/host-protocol.js';
import { DEFAULT_HOTKEYS, parseHotkeys, registerHotkeys } from '../../electron/main/hotkeys.js';
import { isTrustedSender, onTrusted } from '../../electron/main/ipc.js';
import { ensureMediaAccess } from '../../electron/main/media-access.js';
import { rendererFile, serveRenderer } from '../../electron/main/protocol.js';
import { NO_KEYRING_REFUSED, SafeStorageSecretStore, type SafeStorageLike } from '../../electron/main/secret-store.js';
import { CONTENT_SECURITY_POLICY, hardenWebContents, isAppUrl, mediaPermissionGranted, restrictPermissions, windowOptions } from '../../electron/main/security.js';
import { mkdtempSync } from 'node:fs';
import { TMP_ROOT } from '../helpers/fixtures.js';
import { until } from '../helpers/wait.js';

/** A new folder per call: a keys file left by an earlier run must not change what a test sees. */
function tmpDir(name: string): string {
  mkdirSync(TMP_ROOT, { recursive: true });
  return mkdtempSync(join(TMP_ROOT, `${name}-`));
}

describe('window', () => {
  it('is isolated, sandboxed, without Node, with web security and the preload', () => {
    const options = windowOptions('/app/dist/electron/preload/index.cjs');
    expect(options.webPreferences).toMatchObject({
      preload: '/app/dist/electron/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
    });
  });

  it('has a strict CSP: scripts from the app only, nothing remote, no eval', () => {
    const directives = Object.fromEntries(CONTENT_SECURITY_POLICY.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    expect(directives['default-src']).toEqual(["'none'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(directives['base-uri']).toEqual(["'none'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|https?:|\*/);
  });

  it('denies navigation and new windows; opens https links, and only those, in the browser', () => {
    const contents = new EventEmitter() as EventEmitter & { setWindowOpenHandler(h: (d: { url: string }) => { action: string }): void; openHandler?: (d: { url: string }) => { action: string } };
    contents.setWindowOpenHandler = (h) => (contents.openHandler = h);
    const opened: string[] = [];
    hardenWebContents(contents as never, { openExternal: async (url) => void opened.push(url) });

    const nav = { preventDefault: vi.fn() };
    contents.emit('will-navigate', nav, 'https://evil.example/');
    contents.emit('will-navigate', nav, 'app://uplink/other.html');
    contents.emit('will-redirect', nav, 'https://evil.example/');
    contents.emit('will-attach-webview', nav);
    expect(nav.preventDefault).toHaveBeenCalledTimes(4);

    for (const url of ['https://help.twitch.tv/', 'http://plain.example/', 'file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'not a url']) {
      expect(contents.openHandler!({ url })).toEqual({ action: 'deny' });
    }
    expect(opened).toEqual(['https://evil.example/', 'https://help.twitch.tv/']);
  });

  it('knows its own origin', () => {
    expect(isAppUrl('app://uplink/index.html')).toBe(true);
    expect(isAppUrl('app://other/index.html')).toBe(false);
    expect(isAppUrl('file:///app/index.html')).toBe(false);
    expect(isAppUrl('https://uplink/')).toBe(false);
    expect(isAppUrl(undefined)).toBe(false);
  });
});

describe('IPC sender check', () => {
  it('refuses a foreign frame and a subframe, accepts the app top frame', () => {
    expect(isTrustedSender({ url: 'app://uplink/index.html', parent: null })).toBe(true);
    expect(isTrustedSender({ url: 'https://evil.example/', parent: null })).toBe(false);
    expect(isTrustedSender({ url: 'app://uplink/index.html', parent: {} })).toBe(false);
    expect(isTrustedSender(null)).toBe(false);

    const ipc = new EventEmitter();
    const handled: unknown[] = [];
    const refused: Array<string | undefined> = [];
    onTrusted(ipc as never, 'uplink:port-request', (sender) => handled.push(sender), (url) => refused.push(url));
    ipc.emit('uplink:port-request', { senderFrame: { url: 'https://evil.example/', parent: null }, sender: 'evil' });
    ipc.emit('uplink:port-request', { senderFrame: { url: 'app://uplink/index.html', parent: null }, sender: 'app' });
    expect(handled).toEqual(['app']);
    expect(refused).toEqual(['https://evil.example/']);
  });
});

describe('permissions', () => {
  it('grants media (camera, microphone) to the app origin only, and nothing else', () => {
    expect(mediaPermissionGranted('media', 'app://uplink/index.html', ['video', 'audio'])).toBe(true);
    expect(mediaPermissionGranted('media', 'https://evil.example/', ['video'])).toBe(false);
    expect(mediaPermissionGranted('geolocation', 'app://uplink/index.html')).toBe(false);
    expect(mediaPermissionGranted('notifications', 'app://uplink/index.html')).toBe(false);
    expect(mediaPermissionGranted('openExternal', 'app://uplink/index.html')).toBe(false);

    let request: ((c: { getURL(): string }, p: string, cb: (g: boolean) => void, d: { requestingUrl?: string; mediaTypes?: string[] }) => void) | undefined;
    let check: ((c: { getURL(): string } | null, p: string, o: string) => boolean) | undefined;
    let device: (() => boolean) | undefined;
    restrictPermissions({ setPermissionRequestHandler: (h) => (request = h), setPermissionCheckHandler: (h) => (check = h), setDevicePermissionHandler: (h) => (device = h) });
    const answers: boolean[] = [];
    const app = { getURL: () => 'app://uplink/index.html' };
    request!(app, 'media', (g) => answers.push(g), { requestingUrl: 'app://uplink/index.html', mediaTypes: ['video'] });
    request!(app, 'media', (g) => answers.push(g), { requestingUrl: 'https://evil.example/', mediaTypes: ['audio'] });
    request!(app, 'clipboard-read', (g) => answers.push(g), { requestingUrl: 'app://uplink/index.html' });
    expect(answers).toEqual([true, false, false]);
    expect(check!(app, 'media', 'app://uplink')).toBe(true);
    expect(check!(app, 'media', 'https://evil.example')).toBe(false);
    expect(device!()).toBe(false);
  });
});

describe('app:// protocol', () => {
  it('serves the renderer folder only, with the CSP on every response', async () => {
    const root = tmpDir('electron-protocol');
    await mkdir(root, { recursive: true });
    await writeFile(join(root, 'index.html'), '<!doctype html><title>Uplink</title>');
    // The URL parser resolves dot segments first, so they stay inside the folder...
    expect(rendererFile(root, 'app://uplink/../../etc/passwd')).toBe(join(root, 'etc', 'passwd'));
    expect(rendererFile(root, 'app://uplink/%2e%2e/%2e%2e/etc/passwd')).toBe(join(root, 'etc', 'passwd'));
    // ...and encoded slashes, which it does not resolve, are caught after decoding.
    expect(rendererFile(root, 'app://uplink/a%2F..%2F..%2F..%2Fetc%2Fpasswd')).toBeUndefined();
    expect(rendererFile(root, 'app://uplink/a%5C..%5C..%5Cetc')).not.toMatch(/^\/etc/);
    expect(rendererFile(root, 'app://other/index.html')).toBeUndefined();
    const ok = await serveRenderer(root, { url: 'app://uplink/', method: 'GET' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/text\/html/);
    expect(ok.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    const missing = await serveRenderer(root, { url: 'app://uplink/%2e%2e/secret', method: 'GET' });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  });
});

/** safeStorage stand-in: reversible, visibly not plain text, and records how it was used. */
function fakeSafeStorage(options: { available: boolean; backend?: string }): SafeStorageLike & { plainText: boolean[] } {
  const plainText: boolean[] = [];
  return {
    plainText,
    isAsyncEncryptionAvailable: async () => options.available,
    getSelectedStorageBackend: () => options.backend ?? 'gnome_libsecret',
    setUsePlainTextEncryption: (v) => void plainText.push(v),
    encryptStringAsync: async (s) => Buffer.from(`enc:${Buffer.from(s).reverse().toString('hex')}`),
    decryptStringAsync: async (b) => ({ result: Buffer.from(b.toString().slice(4), 'hex').reverse().toString() }),
  };
}

describe('stream keys in safeStorage', () => {
  const KEY = 'live_987654_topSECRETkey';

  it('encrypts with safeStorage into a file under userData, and reads them back for the host', async () => {
    const file = join(tmpDir('electron-keys-strong'), 'stream-keys.json');
    const askWeaker = vi.fn(async () => true);
    const store = new SafeStorageSecretStore({ safeStorage: fakeSafeStorage({ available: true }), file, platform: 'linux', askWeaker });
    await store.set('destination:a:stream-key', KEY);
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain(KEY);
    expect(JSON.parse(text)).toMatchObject({ weak: false });
    expect(askWeaker).not.toHaveBeenCalled();
    // A new store (the next launch) reads it back.
    const again = new SafeStorageSecretStore({ safeStorage: fakeSafeStorage({ available: true }), file, platform: 'linux', askWeaker });
    expect(await again.get('destination:a:stream-key')).toBe(KEY);
    await again.delete('destination:a:stream-key');
    expect(await again.get('destination:a:stream-key')).toBeUndefined();
  });

  it('without a keyring, asks before storing a key with basic encryption, and stores nothing when refused', async () => {
    const file = join(tmpDir('electron-keys-weak'), 'stream-keys.json');
    const safe = fakeSafeStorage({ available: true, backend: 'basic_text' });
    const refuse = vi.fn(async () => false);
    const store = new SafeStorageSecretStore({ safeStorage: safe, file, platform: 'linux', askWeaker: refuse });
    expect(await store.isStrong()).toBe(false);
    await expect(store.set('destination:a:stream-key', KEY)).rejects.toThrow(NO_KEYRING_REFUSED);
    expect(refuse).toHaveBeenCalledTimes(1);
    await expect(readFile(file, 'utf8')).rejects.toThrow();

    const agree = vi.fn(async () => true);
    const weak = new SafeStorageSecretStore({ safeStorage: safe, file, platform: 'linux', askWeaker: agree });
    await weak.set('destination:a:stream-key', KEY);
    expect(agree).toHaveBeenCalledTimes(1);
    expect(safe.plainText).toContain(true);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ weak: true });
    expect(await readFile(file, 'utf8')).not.toContain(KEY);
    // Agreed once: not asked again for the next key.
    await weak.set('destination:b:stream-key', 'another');
    expect(agree).toHaveBeenCalledTimes(1);
  });

  it('where safeStorage is unavailable at all, asks too', async () => {
    const askWeaker = vi.fn(async () => false);
    const store = new SafeStorageSecretStore({ safeStorage: fakeSafeStorage({ available: false }), file: join(tmpDir('electron-keys-none'), 'k.json'), platform: 'win32', askWeaker });
    await expect(store.set('r', KEY)).rejects.toThrow(/not saved/);
    expect(askWeaker).toHaveBeenCalled();
  });
});

/** A host process that only records what it is sent; `die()` is a crash. */
class FakeHost extends EventEmitter implements HostProcess {
  readonly sent: Array<{ message: MainToHost; transfer?: unknown[] }> = [];
  killed = false;
  /** Exits (code 0) when told to shut down, as the real host does once its stream has ended. */
  exitOnShutdown = false;
  postMessage(message: MainToHost, transfer?: unknown[]): void {
    this.sent.push({ message, transfer });
    if (message.type === 'shutdown' && this.exitOnShutdown) queueMicrotask(() => this.emit('exit', 0));
  }
  kill(): boolean {
    this.killed = true;
    this.emit('exit', null);
    return true;
  }
  ready(): void {
    this.emit('message', { type: 'ready' });
  }
  control(payload: unknown): void {
    this.emit('message', { type: 'port-data', portId: 'main', data: JSON.stringify(payload) });
  }
  die(): void {
    this.emit('exit', 137);
  }
  calls(): string[] {
    return this.sent.flatMap(({ message }) => (message.type === 'port-data' ? [(JSON.parse(message.data) as { command: string }).command] : []));
  }
}

const stateWith = (phase: string, revision: number): unknown => ({ type: 'event', event: 'onState', payload: { revision, phase, recording: { active: false }, scenes: null } });

describe('engine host supervision', () => {
  it('restarts a crashed host, tells the windows, and goes live again only if it was live', async () => {
    const hosts: FakeHost[] = [];
    const lost: Notice[] = [];
    const readyHosts: HostProcess[] = [];
    const supervisor = new HostSupervisor({
      fork: () => {
        const host = new FakeHost();
        hosts.push(host);
        return host;
      },
      secrets: new MemorySecretStore(),
      onHostLost: (n) => lost.push(n),
      onHostReady: (h) => readyHosts.push(h),
      restartDelayMs: () => 0,
    });
    supervisor.start();
    hosts[0]!.ready();
    expect(hosts[0]!.sent[0]!.message).toEqual({ type: 'port-open', portId: 'main' });
    expect(readyHosts).toEqual([hosts[0]]);

    // Idle when it dies: a new host, no goLive.
    hosts[0]!.control(stateWith('idle', 1));
    hosts[0]!.die();
    expect(lost[0]).toMatchObject({ level: 'error', code: 'ENGINE_RESTARTED' });
    await until(() => hosts.length === 2);
    hosts[1]!.ready();
    expect(hosts[1]!.calls()).toEqual([]);

    // Live when it dies: the next host goes live by itself.
    hosts[1]!.control(stateWith('starting', 1));
    hosts[1]!.control(stateWith('live', 2));
    hosts[1]!.die();
    expect(lost[1]!.message).toMatch(/go live again/);
    await until(() => hosts.length === 3);
    hosts[2]!.ready();
    expect(hosts[2]!.calls()).toEqual(['goLive']);
    expect(readyHosts).toHaveLength(3);

    // Stopped by the streamer, then a crash: no goLive.
    hosts[2]!.control(stateWith('live', 1));
    hosts[2]!.control(stateWith('stopping', 2));
    hosts[2]!.control(stateWith('idle', 3));
    hosts[2]!.die();
    await until(() => hosts.length === 4);
    hosts[3]!.ready();
    expect(hosts[3]!.calls()).toEqual([]);

    // Quitting is no crash. The host is asked to shut down, and killed when it does not within the grace.
    await supervisor.stop(10);
    expect(hosts[3]!.sent.at(-1)!.message).toEqual({ type: 'shutdown' });
    expect(hosts[3]!.killed).toBe(true);
    await new Promise((r) => setTimeout(r, 20));
    expect(hosts).toHaveLength(4);
    expect(lost).toHaveLength(3);
  });

  it('answers the host\'s key requests from the main process\'s store', async () => {
    const secrets = new MemorySecretStore();
    await secrets.set('destination:x:stream-key', 'KEY-FOR-HOST');
    const host = new FakeHost();
    const supervisor = new HostSupervisor({ fork: () => host, secrets });
    supervisor.start();
    host.emit('message', { type: 'secret', id: 7, op: 'get', ref: 'destination:x:stream-key' });
    host.emit('message', { type: 'secret', id: 8, op: 'set', ref: 'destination:y:stream-key', value: 'NEW' });
    await until(() => host.sent.length === 2);
    expect(host.sent.map((s) => s.message)).toEqual([
      { type: 'secret-result', id: 7, ok: true, value: 'KEY-FOR-HOST' },
      { type: 'secret-result', id: 8, ok: true },
    ]);
    expect(await secrets.get('destination:y:stream-key')).toBe('NEW');
    await supervisor.stop(10);
  });

  it('lets a host that shuts down cleanly exit by itself on quit', async () => {
    const host = new FakeHost();
    host.exitOnShutdown = true;
    const supervisor = new HostSupervisor({ fork: () => host, secrets: new MemorySecretStore() });
    supervisor.start();
    await supervisor.stop(60_000);
    expect(host.sent.map((s) => s.message)).toEqual([{ type: 'shutdown' }]);
    expect(host.killed).toBe(false);
  });
});

describe('hotkeys', () => {
  it('are read from the settings file over the defaults, and taken ones are reported', () => {
    expect(parseHotkeys(undefined)).toEqual(DEFAULT_HOTKEYS);
    expect(parseHotkeys('{broken')).toEqual(DEFAULT_HOTKEYS);
    const settings = parseHotkeys(JSON.stringify({ toggleStream: 'F9', toggleRecording: null, scenes: ['F1', 'F2'] }));
    expect(settings).toEqual({ toggleStream: 'F9', toggleRecording: null, scenes: ['F1', 'F2'] });
    const registered = new Map<string, () => void>();
    const actions = { toggleStream: vi.fn(), toggleRecording: vi.fn(), scene: vi.fn() };
    const failed = registerHotkeys({ register: (a, cb) => (a === 'F2' ? false : (registered.set(a, cb), true)), unregisterAll: () => registered.clear() }, settings, actions);
    expect(failed).toEqual(['F2']);
    registered.get('F9')!();
    registered.get('F1')!();
    expect(actions.toggleStream).toHaveBeenCalled();
    expect(actions.scene).toHaveBeenCalledWith(0);
  });
});

describe('macOS media access', () => {
  it('asks when not determined, and says how to fix a denial', async () => {
    const asked: string[] = [];
    const messages = await ensureMediaAccess('darwin', {
      getMediaAccessStatus: (kind) => (kind === 'camera' ? 'not-determined' : 'denied'),
      askForMediaAccess: async (kind) => (asked.push(kind), true),
    });
    expect(asked).toEqual(['camera']);
    expect(messages).toEqual([expect.stringMatching(/microphone: access was denied\. Open System Settings > Privacy & Security > Microphone/)]);
    expect(await ensureMediaAccess('linux', { getMediaAccessStatus: () => 'denied', askForMediaAccess: async () => false })).toEqual([]);
  });
});

/** A fake Electron, enough for startApp: records windows, IPC handlers and what is sent where. */
function fakeElectron(options: { lock?: boolean } = {}) {
  const appDir = tmpDir('electron-app');
  const app = Object.assign(new EventEmitter(), {
    quit: vi.fn(),
    requestSingleInstanceLock: () => options.lock ?? true,
    getPath: (name: string) => join(appDir, name),
    whenReady: () => Promise.resolve(),
    isReady: () => true,
  });
  const windows: FakeWindow[] = [];
  class FakeWindow extends EventEmitter {
    readonly webContents = { send: vi.fn(), postMessage: vi.fn() };
    constructor(readonly options: unknown) {
      super();
      windows.push(this);
    }
    isDestroyed = () => false;
    loadURL = vi.fn(async () => undefined);
    show = vi.fn();
    static fromWebContents(wc: unknown): FakeWindow | undefined {
      return windows.find((w) => w.webContents === wc);
    }
  }
  // ipcMain.handle's handlers, by channel, to call as a window's invoke would.
  const handlers = new Map<string, (event: { senderFrame: { url: string; parent: unknown } | null }, ...args: unknown[]) => unknown>();
  const ipcMain = Object.assign(new EventEmitter(), { handle: (channel: string, fn: (event: { senderFrame: { url: string; parent: unknown } | null }, ...args: unknown[]) => unknown) => void handlers.set(channel, fn) });
  const hosts: FakeHost[] = [];
  const channels: Array<{ port1: string; port2: string }> = [];
  let n = 0;
  const api = {
    app,
    BrowserWindow: FakeWindow,
    ipcMain,
    MessageChannelMain: class {
      port1 = `port1-${++n}`;
      port2 = `port2-${n}`;
      constructor() {
        channels.push(this);
      }
    },
    utilityProcess: {
      fork: vi.fn(() => {
        const host = new FakeHost();
        hosts.push(host);
        return host;
      }),
    },
    safeStorage: fakeSafeStorage({ available: true }),
    dialog: { showMessageBox: vi.fn(async () => ({ response: 1 })) },
    shell: { openExternal: vi.fn(async () => undefined) },
    session: { defaultSession: { setPermissionRequestHandler: vi.fn(), setPermissionCheckHandler: vi.fn(), setDevicePermissionHandler: vi.fn(), webRequest: { onHeadersReceived: vi.fn() } } },
    protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
    globalShortcut: { register: vi.fn((_accel: string, _action: () => void) => true), unregisterAll: vi.fn() },
    systemPreferences: { getMediaAccessStatus: () => 'granted', askForMediaAccess: async () => true },
  };
  return { api: api as unknown as ElectronApi, raw: api, app, windows, ipcMain, handlers, hosts, channels };
}

const PATHS = { preload: '/app/dist/electron/preload/index.cjs', host: '/app/dist/electron/host/engine-host.js', renderer: '/app/dist/renderer', icon: '/app/build/icon.png' };

describe('startApp (fake Electron)', () => {
  it('quits when another instance holds the lock', () => {
    const fake = fakeElectron({ lock: false });
    expect(startApp(fake.api, PATHS, 'linux')).toBeUndefined();
    expect(fake.app.quit).toHaveBeenCalled();
    expect(fake.hosts).toHaveLength(0);
  });

  it('opens one hardened window on app://, forks the host, and hands a port only to the app\'s own frame', async () => {
    const fake = fakeElectron();
    const started = startApp(fake.api, PATHS, 'linux')!;
    await until(() => fake.windows.length === 1 && fake.raw.globalShortcut.register.mock.calls.length > 0);
    const [win] = fake.windows;
    expect(win!.options).toMatchObject({ icon: PATHS.icon, webPreferences: { preload: PATHS.preload, contextIsolation: true, sandbox: true, nodeIntegration: false } });
    expect(win!.loadURL).toHaveBeenCalledWith('app://uplink/index.html');
    expect(fake.raw.protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([expect.objectContaining({ scheme: 'app' })]);
    expect(fake.raw.session.defaultSession.setPermissionRequestHandler).toHaveBeenCalled();
    expect(fake.raw.utilityProcess.fork).toHaveBeenCalledWith(PATHS.host, expect.any(Array), expect.any(Object));
    const host = fake.hosts[0]!;
    host.ready();

    fake.ipcMain.emit('uplink:port-request', { senderFrame: { url: 'https://evil.example/', parent: null }, sender: win!.webContents });
    expect(fake.channels).toHaveLength(0);

    fake.ipcMain.emit('uplink:port-request', { senderFrame: { url: 'app://uplink/index.html', parent: null }, sender: win!.webContents });
    expect(fake.channels).toHaveLength(1);
    const connect = host.sent.find((s) => s.message.type === 'connect')!;
    expect(connect.transfer).toEqual(['port1-1']);
    expect(win!.webContents.postMessage).toHaveBeenCalledWith('port', null, ['port2-1']);

    // A key the host asks for goes to the host alone, never to a window.
    expect(started.supervisor.current).toBe(host);
    await new SafeStorageSecretStore({ safeStorage: fake.raw.safeStorage, file: join(fake.raw.app.getPath('userData'), 'stream-keys.json'), platform: 'linux', askWeaker: async () => true }).set('destination:d:stream-key', 'WINDOW-MUST-NOT-SEE');
    host.emit('message', { type: 'secret', id: 1, op: 'get', ref: 'destination:d:stream-key' });
    await until(() => host.sent.some((s) => s.message.type === 'secret-result'));
    expect(host.sent.find((s) => s.message.type === 'secret-result')!.message).toMatchObject({ ok: true, value: 'WINDOW-MUST-NOT-SEE' });
    const toWindow = JSON.stringify([win!.webContents.send.mock.calls, win!.webContents.postMessage.mock.calls]);
    expect(toWindow).not.toContain('WINDOW-MUST-NOT-SEE');

    // The host crashes: the window is told, and gets a port to the new host once it is ready.
    host.die();
    expect(win!.webContents.send).toHaveBeenCalledWith('notice', expect.stringContaining('"code":"ENGINE_RESTARTED"'));
    await until(() => fake.hosts.length === 2);
    fake.hosts[1]!.ready();
    expect(win!.webContents.postMessage).toHaveBeenLastCalledWith('port', null, ['port2-2']);

    // Quitting waits for the host to shut down (here it exits when asked), then quits for real.
    fake.hosts[1]!.exitOnShutdown = true;
    const quitting = { preventDefault: vi.fn() };
    fake.app.emit('will-quit', quitting);
    expect(quitting.preventDefault).toHaveBeenCalled();
    expect(fake.raw.globalShortcut.unregisterAll).toHaveBeenCalled();
    await until(() => fake.app.quit.mock.calls.length > 0);
    expect(fake.hosts[1]!.sent.at(-1)!.message).toEqual({ type: 'shutdown' });
    expect(fake.hosts[1]!.killed).toBe(false);
    fake.app.emit('will-quit', { preventDefault: () => expect.unreachable('the second will-quit goes through') });
  });
  it('shows and sets the hotkeys for Settings > Hotkeys: the app\'s own page only, registered at once and kept in hotkeys.json', async () => {
    const fake = fakeElectron();
    startApp(fake.api, PATHS, 'linux');
    await until(() => fake.handlers.has('uplink:hotkeys-set'));
    const app = { senderFrame: { url: 'app://uplink/index.html', parent: null } };
    const foreign = { senderFrame: { url: 'https://evil.example/', parent: null } };
    expect(await fake.handlers.get('uplink:hotkeys-get')!(app)).toEqual({ settings: DEFAULT_HOTKEYS, failed: [] });
    const wanted = { toggleStream: 'F9', toggleRecording: null, scenes: ['F1', 'F2'] };
    expect(() => fake.handlers.get('uplink:hotkeys-set')!(foreign, wanted)).toThrow(/refused/);
    await expect(fake.handlers.get('uplink:hotkeys-set')!(app, { ...wanted, toggleStream: 42 })).rejects.toThrow(/toggleStream must be a shortcut/);
    // Another app holds F2: it is said, and the others work.
    fake.raw.globalShortcut.register.mockImplementation((accel: string) => accel !== 'F2');
    expect(await fake.handlers.get('uplink:hotkeys-set')!(app, wanted)).toEqual({ settings: wanted, failed: ['F2'] });
    expect(fake.raw.globalShortcut.register).toHaveBeenCalledWith('F9', expect.any(Function));
    expect(JSON.parse(await readFile(join(fake.raw.app.getPath('userData'), 'hotkeys.json'), 'utf8'))).toEqual(wanted);
    expect(await fake.handlers.get('uplink:hotkeys-get')!(app)).toEqual({ settings: wanted, failed: ['F2'] });
  });
});
