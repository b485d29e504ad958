/**
 * The installed app under Node, with fakes for Electron and electron-updater: updates are checked at
 * start only when the app is installed, offered in a dialog, never while the studio is live (the phase
 * comes from the main process's own session with the engine host), downloaded and installed only when
 * the streamer says so. And the installed app's FFmpeg: the path the main process hands to the engine
 * host, which the locator tries before anything else.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { BUNDLED_FFMPEG_ENV, locateFfmpeg, packagedFfmpegPath } from '../../electron/engine/ffmpeg/locate.js';
import { type ElectronApi, hostEnvironment, startApp } from '../../electron/main/app.js';
import type { MainToHost } from '../../electron/main/host-protocol.js';
import { UpdateOffer, type UpdateQuestion, type UpdaterLike, mayInterrupt } from '../../electron/main/updates.js';
import { fakeFfmpeg } from '../helpers/fake-ffmpeg.js';
import { TMP_ROOT } from '../helpers/fixtures.js';
import { until } from '../helpers/wait.js';

function tmpDir(name: string): string {
  mkdirSync(TMP_ROOT, { recursive: true });
  return mkdtempSync(join(TMP_ROOT, `${name}-`));
}

/** electron-updater's autoUpdater as far as the shell uses it; `emit` plays the feed's answers. */
class FakeUpdater extends EventEmitter implements UpdaterLike {
  autoDownload = true;
  autoInstallOnAppQuit = false;
  checkForUpdates = vi.fn(async (): Promise<unknown> => null);
  downloadUpdate = vi.fn(async (): Promise<unknown> => []);
  quitAndInstall = vi.fn();
}

/** The streamer at the dialog: answers in order, and records what was asked. */
function streamer(...answers: number[]) {
  const asked: UpdateQuestion[] = [];
  let answer!: (response: number) => void;
  return {
    asked,
    ask: vi.fn(async (question: UpdateQuestion) => {
      asked.push(question);
      if (answers.length > 0) return answers.shift()!;
      return new Promise<number>((resolve) => (answer = resolve));
    }),
    answer: (response: number) => answer(response),
  };
}

describe('update offer', () => {
  it('interrupts an idle studio only', () => {
    expect(mayInterrupt('idle')).toBe(true);
    for (const phase of ['starting', 'live', 'stopping', undefined] as const) expect(mayInterrupt(phase)).toBe(false);
  });

  it('checks at start and downloads nothing by itself; an update found while live waits for the end of the stream', async () => {
    const updater = new FakeUpdater();
    let phase: 'idle' | 'live' = 'live';
    const you = streamer(0, 0);
    const offer = new UpdateOffer({ updater, phase: () => phase, ask: you.ask });
    offer.start();
    expect(updater.checkForUpdates).toHaveBeenCalledTimes(1);
    expect(updater.autoDownload).toBe(false);
    expect(updater.autoInstallOnAppQuit).toBe(true);

    updater.emit('update-available', { version: '0.2.0' });
    offer.phaseChanged();
    expect(you.ask).not.toHaveBeenCalled();
    expect(offer.pending).toBe('available');

    phase = 'idle';
    offer.phaseChanged();
    await until(() => updater.downloadUpdate.mock.calls.length === 1);
    expect(you.asked[0]).toMatchObject({ message: 'Uplink 0.2.0 is available.', buttons: ['Download', 'Later'] });

    updater.emit('update-downloaded', { version: '0.2.0' });
    await until(() => updater.quitAndInstall.mock.calls.length === 1);
    expect(you.asked[1]).toMatchObject({ message: 'Uplink 0.2.0 is ready to install.', buttons: ['Restart and install', 'When I quit'] });
    expect(updater.quitAndInstall).toHaveBeenCalledWith(false, true);
  });

  it('does not restart when a stream started while the question was open; it asks again once the stream is over', async () => {
    const updater = new FakeUpdater();
    let phase: 'idle' | 'live' = 'idle';
    const you = streamer();
    const offer = new UpdateOffer({ updater, phase: () => phase, ask: you.ask });
    offer.start();
    updater.emit('update-downloaded', { version: '0.3.0' });
    await until(() => you.asked.length === 1);
    phase = 'live'; // a hotkey went live behind the dialog
    you.answer(0);
    await until(() => offer.pending === 'downloaded' && you.ask.mock.results.length === 1);
    await Promise.resolve();
    expect(updater.quitAndInstall).not.toHaveBeenCalled();

    phase = 'idle';
    offer.phaseChanged();
    await until(() => you.asked.length === 2);
    you.answer(0);
    await until(() => updater.quitAndInstall.mock.calls.length === 1);
  });

  it('"Later" is not asked again this session; "When I quit" leaves the install to the quit; a failed check is only logged', async () => {
    const updater = new FakeUpdater();
    const you = streamer(1, 1);
    const logged: string[] = [];
    const offer = new UpdateOffer({ updater, phase: () => 'idle', ask: you.ask, log: (m) => logged.push(m) });
    updater.checkForUpdates.mockRejectedValueOnce(new Error('net::ERR_INTERNET_DISCONNECTED'));
    offer.start();
    await until(() => logged.length === 1);
    expect(logged[0]).toBe('update check failed: net::ERR_INTERNET_DISCONNECTED');

    updater.emit('update-available', { version: '0.4.0' });
    await until(() => offer.pending === 'declined');
    updater.emit('update-available', { version: '0.4.0' });
    offer.phaseChanged();
    expect(you.ask).toHaveBeenCalledTimes(1);
    expect(updater.downloadUpdate).not.toHaveBeenCalled();

    updater.emit('update-downloaded', { version: '0.4.1' });
    await until(() => you.ask.mock.calls.length === 2 && offer.pending === 'declined');
    expect(updater.quitAndInstall).not.toHaveBeenCalled();
    updater.emit('error', new Error('feed 404'));
    expect(logged.at(-1)).toBe('update check failed: feed 404');
  });
});

/** Just enough Electron for startApp; the host it forks only records what it is sent and started with. */
function fakeElectron(isPackaged: boolean) {
  const userData = tmpDir('packaged-app');
  const hosts: (EventEmitter & { postMessage(m: MainToHost): void; kill(): boolean })[] = [];
  const forks: unknown[][] = [];
  const dialog = { showMessageBox: vi.fn(async (_q: unknown) => ({ response: 1 })) };
  class FakeWindow extends EventEmitter {
    readonly webContents = { send: vi.fn(), postMessage: vi.fn() };
    isDestroyed = () => false;
    loadURL = vi.fn(async () => undefined);
    static fromWebContents = () => undefined;
  }
  const api = {
    app: Object.assign(new EventEmitter(), {
      isPackaged,
      quit: vi.fn(),
      requestSingleInstanceLock: () => true,
      getPath: (name: string) => join(userData, name),
      whenReady: () => Promise.resolve(),
      isReady: () => true,
    }),
    BrowserWindow: FakeWindow,
    ipcMain: Object.assign(new EventEmitter(), { handle: vi.fn() }),
    MessageChannelMain: class {},
    utilityProcess: {
      fork: (...args: unknown[]) => {
        forks.push(args);
        const host = Object.assign(new EventEmitter(), { postMessage: vi.fn(), kill: () => true });
        hosts.push(host);
        return host;
      },
    },
    safeStorage: {},
    dialog,
    shell: { openExternal: vi.fn() },
    session: { defaultSession: { setPermissionRequestHandler: vi.fn(), setPermissionCheckHandler: vi.fn(), setDevicePermissionHandler: vi.fn(), webRequest: { onHeadersReceived: vi.fn() } } },
    protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
    globalShortcut: { register: vi.fn(() => true), unregisterAll: vi.fn() },
    systemPreferences: { getMediaAccessStatus: () => 'granted', askForMediaAccess: async () => true },
  };
  const phase = (value: string, revision: number): void => {
    const payload = { type: 'event', event: 'onState', payload: { revision, phase: value, recording: { active: false }, scenes: null } };
    hosts.at(-1)!.emit('message', { type: 'port-data', portId: 'main', data: JSON.stringify(payload) });
  };
  return { api: api as unknown as ElectronApi, forks, dialog, hosts, phase };
}

const PATHS = { preload: '/app/preload/index.cjs', host: '/app/host/engine-host.js', renderer: '/app/renderer', resources: '/opt/Uplink/resources' };

describe('the installed app (fake Electron)', () => {
  it('starts its engine host with its own FFmpeg, checks for updates, and offers one only once the studio is idle', async () => {
    const fake = fakeElectron(true);
    const updater = new FakeUpdater();
    const loadUpdater = vi.fn(async () => updater);
    startApp(fake.api, PATHS, 'linux', loadUpdater);
    await until(() => updater.checkForUpdates.mock.calls.length === 1);
    expect(fake.forks[0]![2]).toMatchObject({ serviceName: 'Uplink Engine', env: { [BUNDLED_FFMPEG_ENV]: '/opt/Uplink/resources/ffmpeg/ffmpeg' } });

    fake.hosts[0]!.emit('message', { type: 'ready' });
    fake.phase('live', 1);
    updater.emit('update-available', { version: '1.0.0' });
    await Promise.resolve();
    expect(fake.dialog.showMessageBox).not.toHaveBeenCalled();

    fake.phase('stopping', 2);
    expect(fake.dialog.showMessageBox).not.toHaveBeenCalled();
    fake.phase('idle', 3);
    await until(() => fake.dialog.showMessageBox.mock.calls.length === 1);
    expect(fake.dialog.showMessageBox.mock.calls[0]![0]).toMatchObject({ title: 'Update available', message: 'Uplink 1.0.0 is available.' });
  });

  it('in development (not packaged) never loads the updater and leaves the engine host\'s environment alone', async () => {
    const fake = fakeElectron(false);
    const loadUpdater = vi.fn(async () => new FakeUpdater());
    startApp(fake.api, PATHS, 'linux', loadUpdater);
    await until(() => fake.forks.length === 1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(loadUpdater).not.toHaveBeenCalled();
    expect(fake.forks[0]![2]).not.toHaveProperty('env');
    expect(hostEnvironment(false, '/opt/Uplink/resources', 'linux')).toBeUndefined();
  });
});

describe('the installed app\'s FFmpeg', () => {
  it('is resources/ffmpeg/ffmpeg, ffmpeg.exe on Windows', () => {
    expect(packagedFfmpegPath('/opt/Uplink/resources', 'linux')).toBe('/opt/Uplink/resources/ffmpeg/ffmpeg');
    expect(packagedFfmpegPath('/Applications/Uplink.app/Contents/Resources', 'darwin')).toBe('/Applications/Uplink.app/Contents/Resources/ffmpeg/ffmpeg');
    expect(packagedFfmpegPath('C:\\Program Files\\Uplink\\resources', 'win32')).toBe('C:\\Program Files\\Uplink\\resources\\ffmpeg\\ffmpeg.exe');
    expect(hostEnvironment(true, 'C:\\Uplink\\resources', 'win32', { Path: 'C:\\Windows' })).toEqual({ Path: 'C:\\Windows', [BUNDLED_FFMPEG_ENV]: 'C:\\Uplink\\resources\\ffmpeg\\ffmpeg.exe' });
  });

  // The stand-in FFmpeg is a shell script.
  it.skipIf(process.platform === 'win32')('is found before ffmpeg-static and PATH; when it is missing the search goes on', async () => {
    const fixtures = join(import.meta.dirname, '..', 'fixtures', 'ffmpeg');
    const listings = (v: string) => ({ '-version': join(fixtures, `version-${v}.txt`), '-encoders': join(fixtures, `encoders-${v}.txt`), '-filters': join(fixtures, `filters-${v}.txt`), '-formats': join(fixtures, `formats-${v}.txt`) });
    const resources = tmpDir('resources');
    const bundled = fakeFfmpeg(join(resources, 'ffmpeg'), listings('7.1'));
    const onPath = fakeFfmpeg(tmpDir('path'), listings('5.1'));
    const env = { PATH: join(onPath, '..'), [BUNDLED_FFMPEG_ENV]: packagedFfmpegPath(resources, 'linux') };
    const found = await locateFfmpeg({ env, platform: 'linux', loadBundledPath: async () => null });
    expect(found).toMatchObject({ path: bundled, source: 'app', rejected: [] });
    expect(found.version.major).toBe(7);

    const withoutIt = await locateFfmpeg({ env: { ...env, [BUNDLED_FFMPEG_ENV]: join(tmpDir('empty'), 'ffmpeg', 'ffmpeg') }, platform: 'linux', loadBundledPath: async () => null });
    expect(withoutIt).toMatchObject({ path: onPath, source: 'path' });
  });
});
