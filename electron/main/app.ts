import { join } from 'node:path';
import type { Notice } from '../contract.js';
import type { EventMessage } from '../contract-wire.js';
import { type HostProcess, HostSupervisor } from './host-supervisor.js';
import { HOTKEYS_GET_CHANNEL, HOTKEYS_SET_CHANNEL, type HotkeySettings, type HotkeysView, checkHotkeys, readHotkeys, registerHotkeys, writeHotkeys } from './hotkeys.js';
import { NOTICE_CHANNEL, PORT_CHANNEL, PORT_REQUEST_CHANNEL, handleTrusted, onTrusted } from './ipc.js';
import { ensureMediaAccess } from './media-access.js';
import { APP_SCHEME_PRIVILEGES, serveRenderer } from './protocol.js';
import { SafeStorageSecretStore } from './secret-store.js';
import { APP_SCHEME, APP_URL, CONTENT_SECURITY_POLICY, hardenWebContents, restrictPermissions, windowOptions } from './security.js';
import { studioHotkeyActions } from './studio-actions.js';
import { UpdateOffer, type UpdaterLike } from './updates.js';
import { BUNDLED_FFMPEG_ENV, packagedFfmpegPath } from '../engine/ffmpeg/locate.js';

type Electron = typeof import('electron');

/** Everything the shell takes from Electron, passed in so that tests run it under Node with fakes. */
export type ElectronApi = Pick<
  Electron,
  'app' | 'BrowserWindow' | 'ipcMain' | 'MessageChannelMain' | 'utilityProcess' | 'safeStorage' | 'dialog' | 'shell' | 'session' | 'protocol' | 'globalShortcut' | 'systemPreferences'
>;

export interface AppPaths {
  /** The sandboxed preload: CommonJS, one file (electron-vite builds dist/electron/preload/index.cjs). */
  preload: string;
  host: string;
  /** The built renderer (index.html and its assets). */
  renderer: string;
  /** Electron's process.resourcesPath: the installed app's FFmpeg is in its ffmpeg/ folder. */
  resources?: string;
  /** The window icon of a development run (`npm start`); an installed app's comes with its package. */
  icon?: string;
}

/**
 * The engine host's environment: in the installed app, where its own FFmpeg is (the locator searches
 * it first); in development, unchanged (undefined: Electron passes the main process's).
 */
export function hostEnvironment(isPackaged: boolean, resources: string | undefined, platform: NodeJS.Platform, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv | undefined {
  if (!isPackaged || !resources) return undefined;
  return { ...env, [BUNDLED_FFMPEG_ENV]: packagedFfmpegPath(resources, platform) };
}

export function defaultPaths(mainDir: string): AppPaths {
  return {
    preload: join(mainDir, '..', 'preload', 'index.cjs'),
    host: join(mainDir, '..', 'host', 'engine-host.js'),
    renderer: join(mainDir, '..', '..', 'renderer'),
    resources: process.resourcesPath,
    // build/icon.png, made from resources/icon.svg by scripts/icons.mjs (npm start runs it).
    icon: join(mainDir, '..', '..', '..', 'build', 'icon.png'),
  };
}

export const WEAK_STORAGE_QUESTION = {
  type: 'warning' as const,
  title: 'No keyring to protect your stream key',
  message: 'This session has no keyring (GNOME Keyring or KWallet), so Uplink cannot encrypt your stream key properly.',
  detail:
    'Uplink can keep the key with basic encryption, which other programs running as you could read. To protect it properly, install and unlock a keyring, then restart Uplink and enter the key again.',
  buttons: ['Keep the key with basic encryption', 'Do not save the key'],
  defaultId: 1,
  cancelId: 1,
};

/**
 * The desktop app's main process: windows, the engine host's supervision, keys, hotkeys, permissions.
 * Nothing of the studio runs here: the engine host has it, and windows talk to the host directly.
 */
export function startApp(
  electron: ElectronApi,
  paths: AppPaths,
  platform: NodeJS.Platform = process.platform,
  /** electron-updater's autoUpdater, loaded only in the installed app (development builds never update). */
  loadUpdater?: () => Promise<UpdaterLike>,
): { supervisor: HostSupervisor } | undefined {
  const { app, BrowserWindow, ipcMain, MessageChannelMain, utilityProcess, safeStorage, dialog, shell, session, protocol, globalShortcut, systemPreferences } = electron;

  // One studio per user: a second launch focuses the first window instead of starting a second engine.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return undefined;
  }
  // Must happen before ready: app:// is a standard, secure origin (checklist 18).
  protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);

  const windows = new Set<Electron.BrowserWindow>();
  /** Windows whose page asked for a port: each gets a new one when a new host starts. */
  const connected = new Set<Electron.BrowserWindow>();
  let nextPort = 1;

  const secrets = new SafeStorageSecretStore({
    safeStorage,
    file: join(app.getPath('userData'), 'stream-keys.json'),
    platform,
    askWeaker: async () => (await dialog.showMessageBox(WEAK_STORAGE_QUESTION)).response === 0,
  });

  const sendNotice = (notice: Notice): void => {
    const text = JSON.stringify({ type: 'event', event: 'onNotice', payload: notice } satisfies EventMessage<'onNotice'>);
    for (const win of windows) if (!win.isDestroyed()) win.webContents.send(NOTICE_CHANNEL, text);
  };

  const connectWindow = (win: Electron.BrowserWindow, host: HostProcess | undefined): void => {
    if (!host || win.isDestroyed()) return;
    // The window's end goes straight to the host: preview pictures and meters never pass through here.
    const { port1, port2 } = new MessageChannelMain();
    host.postMessage({ type: 'connect', portId: `window-${nextPort++}` }, [port1]);
    win.webContents.postMessage(PORT_CHANNEL, null, [port2]);
  };

  let updates: UpdateOffer | undefined;
  const hostEnv = hostEnvironment(app.isPackaged, paths.resources, platform);
  const supervisor = new HostSupervisor({
    fork: () =>
      utilityProcess.fork(paths.host, ['--cache-dir', join(app.getPath('userData'), 'cache'), '--profile', join(app.getPath('userData'), 'profile')], {
        serviceName: 'Uplink Engine',
        stdio: 'inherit',
        ...(hostEnv ? { env: hostEnv } : {}),
      }) as unknown as HostProcess,
    onPhase: () => updates?.phaseChanged(),
    secrets,
    onHostReady: (host) => {
      for (const win of connected) connectWindow(win, host);
    },
    onHostLost: sendNotice,
  });

  onTrusted<Electron.WebContents>(
    ipcMain,
    PORT_REQUEST_CHANNEL,
    (sender) => {
      const win = BrowserWindow.fromWebContents(sender);
      if (!win || !windows.has(win)) return;
      connected.add(win);
      connectWindow(win, supervisor.current);
    },
    (url) => console.warn(`uplink: refused an IPC message from a foreign frame (${url ?? 'unknown'})`),
  );

  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, shell));

  const createWindow = (): void => {
    const win = new BrowserWindow(windowOptions(paths.preload, app.isPackaged || platform === 'darwin' ? undefined : paths.icon));
    windows.add(win);
    win.once('ready-to-show', () => win.show());
    win.on('closed', () => {
      windows.delete(win);
      connected.delete(win);
    });
    void win.loadURL(APP_URL);
  };

  app.on('second-instance', () => {
    const [win] = windows;
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });

  app.whenReady().then(async () => {
    protocol.handle(APP_SCHEME, (request) => serveRenderer(paths.renderer, request));
    const ses = session.defaultSession;
    restrictPermissions(ses);
    // The protocol sends the CSP with every file; this covers any other response the session sees.
    ses.webRequest.onHeadersReceived((details, callback) => {
      callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
    });

    supervisor.start();
    createWindow();

    if (app.isPackaged && loadUpdater) {
      loadUpdater()
        .then((updater) => {
          updates = new UpdateOffer({
            updater,
            phase: () => supervisor.client?.phase,
            ask: async (question) => (await dialog.showMessageBox(question)).response,
          });
          updates.start();
        })
        .catch((err: unknown) => console.warn(`uplink: updates are off (${err instanceof Error ? err.message : String(err)})`));
    }

    for (const message of await ensureMediaAccess(platform, systemPreferences)) {
      void dialog.showMessageBox({ type: 'warning', title: 'Camera or microphone blocked', message });
    }

    const hotkeysFile = join(app.getPath('userData'), 'hotkeys.json');
    const actions = studioHotkeyActions(
      () => supervisor.client,
      (message) => sendNotice({ level: 'warning', message, at: Date.now() }),
    );
    const apply = (settings: HotkeySettings): HotkeysView => ({ settings, failed: registerHotkeys(globalShortcut, settings, actions) });
    let hotkeys = apply(await readHotkeys(hotkeysFile));
    if (hotkeys.failed.length > 0) {
      sendNotice({ level: 'warning', code: 'HOTKEY_TAKEN', message: `These hotkeys are taken by another app or malformed: ${hotkeys.failed.join(', ')}. Change them in Settings > Hotkeys.`, at: Date.now() });
    }
    // Settings > Hotkeys: registered at once, kept in hotkeys.json.
    const refused = (url: string | undefined): void => console.warn(`uplink: refused a hotkeys request from a foreign frame (${url ?? 'unknown'})`);
    handleTrusted(ipcMain, HOTKEYS_GET_CHANNEL, () => hotkeys, refused);
    handleTrusted(
      ipcMain,
      HOTKEYS_SET_CHANNEL,
      async (input) => {
        const settings = checkHotkeys(input);
        await writeHotkeys(hotkeysFile, settings);
        hotkeys = apply(settings);
        return hotkeys;
      },
      refused,
    );
  });

  app.on('activate', () => {
    if (windows.size === 0 && app.isReady()) createWindow();
  });
  app.on('window-all-closed', () => {
    if (platform !== 'darwin') app.quit();
  });
  // Quitting waits (a few seconds at most) for the engine to end the stream and save, then quits.
  let hostStopped = false;
  app.on('will-quit', (event) => {
    globalShortcut.unregisterAll();
    if (hostStopped) return;
    event.preventDefault();
    void supervisor.stop().then(() => {
      hostStopped = true;
      app.quit();
    });
  });
  return { supervisor };
}
