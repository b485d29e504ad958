/**
 * obs-websocket hosted by `uplink serve`'s server (StudioServer, a real studio composing its default
 * scene with FFmpeg), with obs-websocket-js as the client: on by the flags' fixed configuration, and on,
 * off and moved by the studio's setting, as the desktop app's settings turn it; files a client names are
 * confined as the web remote's are.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { OBSWebSocket } from 'obs-websocket-js';
import { afterEach, describe, expect, it } from 'vitest';
import type { StudioState } from '../../electron/contract.js';
import { freePort } from '../../electron/engine/scenes/control.js';
import { StudioServer } from '../../electron/remote/server.js';
import { tmpDir } from '../helpers/fixtures.js';

const running: StudioServer[] = [];
const clients: OBSWebSocket[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.disconnect()));
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

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
    expect((await stateWhere(server, (s) => s.obsWebSocket?.listening === true)).obsWebSocket).toMatchObject({ listening: true });

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

    // A new password restarts the server: the client is told Uplink's server is going, and must log in anew.
    const closed = new Promise<number>((resolve) => obs.once('ConnectionClosed', (err) => resolve(err.code)));
    await server.studio.setObsWebSocket({ password: 'a-new-password' });
    expect(await closed).toBe(1001);
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
});
