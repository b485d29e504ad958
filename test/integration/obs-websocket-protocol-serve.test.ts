/**
 * obs-websocket hosted by `uplink serve`'s server (StudioServer, a real studio composing its default
 * scene with FFmpeg), with obs-websocket-js as the client: on by the flags' fixed configuration, and on,
 * off and moved by the studio's setting, as the desktop app's settings turn it; files a client names are
 * confined as the web remote's are.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { OBSWebSocket } from 'obs-websocket-js';
import { afterEach, describe, expect, it } from 'vitest';
import type { StudioState } from '../../electron/contract.js';
import { freePort } from '../../electron/engine/scenes/control.js';
import { StudioServer } from '../../electron/remote/server.js';
import { tmpDir } from '../helpers/fixtures.js';
import { UPLINK_BIN } from '../helpers/publish.js';
import { until } from '../helpers/wait.js';

const running: StudioServer[] = [];
const clients: OBSWebSocket[] = [];

const processes: ChildProcess[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.disconnect()));
  await Promise.all(running.splice(0).map((s) => s.stop()));
  for (const child of processes.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** `uplink serve` as a process (the built CLI): what it printed, and its exit. */
function serveProcess(args: string[], env: NodeJS.ProcessEnv = {}): { out: () => string; err: () => string; exited: Promise<number | null>; child: ChildProcess } {
  const child = spawn(process.execPath, [UPLINK_BIN, 'serve', '--port', '0', ...args], {
    env: { ...process.env, UPLINK_CACHE_DIR: tmpDir('serve-cache'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  processes.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { out: () => stdout, err: () => stderr, exited, child };
}

function profile(name: string): string {
  const dir = tmpDir(`obs-serve-${name}`);
  rmSync(dir, { recursive: true, force: true });
  return tmpDir(`obs-serve-${name}`);
}

async function start(options: Partial<ConstructorParameters<typeof StudioServer>[0]> & { profileDir: string }): Promise<StudioServer> {
  const server = new StudioServer({ port: 0, studio: { preview: false }, ...options });
  running.push(server);
  await server.start();
  return server;
}

function client(): OBSWebSocket {
  const c = new OBSWebSocket();
  clients.push(c);
  return c;
}

/** The next snapshot for which `check` holds (the current one included). */
async function stateWhere(server: StudioServer, check: (state: StudioState) => boolean): Promise<StudioState> {
  const now = await server.studio.getState();
  if (check(now)) return now;
  return new Promise((resolve) => {
    const listener = (state: StudioState): void => {
      if (!check(state)) return;
      server.studio.off('onState', listener);
      resolve(state);
    };
    server.studio.on('onState', listener);
  });
}

describe('obs-websocket in uplink serve', () => {
  it('listens where the flags say, with their password, and confines files as the web remote does', async () => {
    const dir = profile('fixed');
    const server = await start({ profileDir: dir, obsWebSocket: { host: '127.0.0.1', port: 0, password: 'flag-password' } });
    const address = server.obsWebSocketAddress!;
    expect(address.host).toBe('127.0.0.1');
    // The studio shows the server the flags run (the settings tab shows it, and its password on request), not the setting.
    expect((await stateWhere(server, (s) => s.obsWebSocket?.listening === true)).obsWebSocket).toEqual({ enabled: true, port: address.port, listening: true, fixed: true });
    expect(await server.studio.getObsWebSocketPassword()).toBe('flag-password');
    await expect(server.studio.setObsWebSocket({ port: 4460 })).rejects.toMatchObject({ code: 'OBS_WEBSOCKET_FIXED' });

    const obs = client();
    await obs.connect(`ws://127.0.0.1:${address.port}`, 'flag-password');
    expect(await obs.call('GetVersion')).toMatchObject({ rpcVersion: 1 });
    const { scenes } = await obs.call('GetSceneList');
    expect(scenes.length).toBeGreaterThan(0);
    const sceneName = String(scenes[0]!.sceneName);

    // A file outside the profile's media and recordings folders is refused, one inside is taken.
    await expect(obs.call('CreateInput', { sceneName, inputName: 'Secret', inputKind: 'image_source', inputSettings: { file: '/etc/passwd' } })).rejects.toMatchObject({
      message: expect.stringContaining('a remote studio cannot use the file /etc/passwd'),
    });
    const inside = join(dir, 'media', 'logo.png');
    await obs.call('CreateInput', { sceneName, inputName: 'Logo', inputKind: 'image_source', inputSettings: { file: inside } });
    const { inputSettings } = await obs.call('GetInputSettings', { inputName: 'Logo' });
    expect(inputSettings).toMatchObject({ file: inside });

    const exit = new Promise<void>((resolve) => obs.once('ExitStarted', () => resolve()));
    await server.stop();
    await exit;
  });

  it('fails to start, in one sentence, when the flags\' port is taken', async () => {
    const first = await start({ profileDir: profile('taken-a'), obsWebSocket: { host: '127.0.0.1', port: 0, password: 'flag-password' } });
    const second = new StudioServer({ port: 0, studio: { preview: false }, profileDir: profile('taken-b'), obsWebSocket: { host: '127.0.0.1', port: first.obsWebSocketAddress!.port, password: 'x'.repeat(8) } });
    await expect(second.start()).rejects.toThrow(/obs-websocket cannot listen on port \d+ of 127\.0\.0\.1: it is in use/);
  });

  it('follows the studio setting: on with the made password, a new port, a port in use, off', async () => {
    const dir = profile('setting');
    const server = await start({ profileDir: dir });
    expect(server.obsWebSocketAddress).toBeUndefined();
    expect((await server.studio.getState()).obsWebSocket).toEqual({ enabled: false, port: 4455, listening: false });

    const port = await freePort();
    await server.studio.setObsWebSocket({ enabled: true, port });
    await stateWhere(server, (s) => s.obsWebSocket?.listening === true);
    const password = await server.studio.getObsWebSocketPassword();
    const obs = client();
    await obs.connect(`ws://127.0.0.1:${port}`, password);
    expect(await obs.call('GetVersion')).toMatchObject({ rpcVersion: 1 });

    // A new password restarts the server: the session is invalidated (a client must not just reconnect), and must log in anew.
    const closed = new Promise<number>((resolve) => obs.once('ConnectionClosed', (err) => resolve(err.code)));
    await server.studio.setObsWebSocket({ password: 'a-new-password' });
    expect(await closed).toBe(4011);
    await stateWhere(server, (s) => s.obsWebSocket?.listening === true);
    await expect(client().connect(`ws://127.0.0.1:${port}`, password)).rejects.toMatchObject({ code: 4009 });
    await client().connect(`ws://127.0.0.1:${port}`, 'a-new-password');

    // A port another program holds: the setting stays on, the state says why nothing listens.
    const other = await start({ profileDir: profile('setting-other'), obsWebSocket: { host: '127.0.0.1', port: 0, password: 'flag-password' } });
    await server.studio.setObsWebSocket({ port: other.obsWebSocketAddress!.port });
    const failed = await stateWhere(server, (s) => s.obsWebSocket?.error !== undefined);
    expect(failed.obsWebSocket).toMatchObject({ enabled: true, listening: false, error: expect.stringContaining('it is in use') });

    await server.studio.setObsWebSocket({ enabled: false });
    expect((await stateWhere(server, (s) => s.obsWebSocket?.enabled === false)).obsWebSocket).toEqual({ enabled: false, port: other.obsWebSocketAddress!.port, listening: false });
    expect(server.obsWebSocketAddress).toBeUndefined();
  });

  it('comes back on after a restart, from the profile', async () => {
    const dir = profile('restart');
    const port = await freePort();
    const first = await start({ profileDir: dir });
    await first.studio.setObsWebSocket({ enabled: true, port });
    await stateWhere(first, (s) => s.obsWebSocket?.listening === true);
    await first.stop();

    const second = await start({ profileDir: dir });
    expect(second.obsWebSocketAddress).toEqual({ host: '127.0.0.1', port });
  });

  it('uplink serve --obs-websocket-port prints where it listens and the password it made, and tells clients it stops on Ctrl-C', async () => {
    const serve = serveProcess(['--profile', profile('cli'), '--obs-websocket-port', '0']);
    await until(() => /Uplink studio: /.test(serve.out()) || serve.child.exitCode !== null, 60_000);
    const printed = /obs-websocket: ws:\/\/127\.0\.0\.1:(\d+) \(password ([A-Za-z2-9]{16})\)\n/.exec(serve.out());
    expect(printed, serve.err()).not.toBeNull();
    const obs = client();
    await obs.connect(`ws://127.0.0.1:${printed![1]}`, printed![2]);
    expect(await obs.call('GetVersion')).toMatchObject({ rpcVersion: 1 });
    const exit = new Promise<void>((resolve) => obs.once('ExitStarted', () => resolve()));
    serve.child.kill('SIGINT');
    await exit;
    expect(await serve.exited).toBe(0);
  }, 90_000);

  it('never prints a password it was given, and refuses bad flags in one sentence', async () => {
    const serve = serveProcess(['--profile', profile('cli-env'), '--obs-websocket-port', '0'], { UPLINK_OBS_WEBSOCKET_PASSWORD: 'from-the-environment' });
    await until(() => /Uplink studio: /.test(serve.out()) || serve.child.exitCode !== null, 60_000);
    expect(serve.out()).toMatch(/obs-websocket: ws:\/\/127\.0\.0\.1:\d+ \(with the password given\)\n/);
    expect(serve.out() + serve.err()).not.toContain('from-the-environment');
    const port = /ws:\/\/127\.0\.0\.1:(\d+)/.exec(serve.out())![1];
    await client().connect(`ws://127.0.0.1:${port}`, 'from-the-environment');
    serve.child.kill('SIGINT');
    expect(await serve.exited).toBe(0);

    const lonely = serveProcess(['--profile', profile('cli-bad'), '--obs-websocket-password', 'secret-pw']);
    expect(await lonely.exited).not.toBe(0);
    expect(lonely.err()).toContain('--obs-websocket-password needs --obs-websocket-port');
    expect(lonely.err()).not.toContain('secret-pw');
    const badPort = serveProcess(['--profile', profile('cli-bad'), '--obs-websocket-port', 'http']);
    expect(await badPort.exited).not.toBe(0);
    expect(badPort.err()).toContain('--obs-websocket-port must be a number from 0 to 65535 (got "http")');
  }, 90_000);
});
