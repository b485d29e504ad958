/**
 * The desktop app's engine host (the built dist/electron/host/engine-host.js, forked and supervised as
 * main does) runs obs-websocket when the profile's setting is on, with the password the parent's secret
 * store keeps (safeStorage in the app), on loopback; when the app quits, its clients hear ExitStarted.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { OBSWebSocket } from 'obs-websocket-js';
import { afterEach, describe, expect, it } from 'vitest';
import { writeSettings } from '../../electron/engine/profile/profile.js';
import { OBS_WEBSOCKET_PASSWORD_REF } from '../../electron/engine/profile/obs-websocket.js';
import { freePort } from '../../electron/engine/scenes/control.js';
import { MemorySecretStore } from '../../electron/engine/secrets.js';
import { type HostProcess, HostSupervisor } from '../../electron/main/host-supervisor.js';
import { tmpDir } from '../helpers/fixtures.js';
import { until } from '../helpers/wait.js';

const HOST = join(import.meta.dirname, '..', '..', 'dist', 'electron', 'host', 'engine-host.js');
const children: ChildProcess[] = [];
const clients: OBSWebSocket[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.disconnect()));
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function forkHost(args: string[]): HostProcess {
  const child = fork(HOST, args, { serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  children.push(child);
  return {
    postMessage: (message) => {
      if (child.connected) child.send(message);
    },
    on: (event: 'message' | 'exit', listener: (arg: never) => void) => child.on(event, listener as never),
    kill: () => child.kill(),
  } as HostProcess;
}

describe('obs-websocket in the engine host', () => {
  it('listens on loopback when the profile\'s setting is on, with the password the parent keeps', async () => {
    const profile = join(tmpDir('obs-host'), `profile-${process.pid}-${Date.now()}`);
    const port = await freePort();
    await writeSettings(profile, { version: 1, studio: { encoding: {}, dynamicBitrate: false, destinations: [], obsWebSocket: { enabled: true, port } } });
    const secrets = new MemorySecretStore();
    await secrets.set(OBS_WEBSOCKET_PASSWORD_REF, 'kept-by-safe-storage');
    const supervisor = new HostSupervisor({ fork: () => forkHost(['--profile', profile, '--cache-dir', tmpDir('studio-cache')]), secrets, onHostLost: () => undefined, restartDelayMs: () => 0 });
    const ready = supervisor.ready();
    supervisor.start();
    await ready;

    // The host opens the profile (and its scenes) before it listens: try until it answers.
    const obs = new OBSWebSocket();
    clients.push(obs);
    await until(
      () =>
        obs.connect(`ws://127.0.0.1:${port}`, 'kept-by-safe-storage').then(
          () => true,
          () => false,
        ),
      60_000,
    );
    expect(await obs.call('GetVersion')).toMatchObject({ rpcVersion: 1 });
    expect((await obs.call('GetSceneList')).scenes.length).toBeGreaterThan(0);

    // The app quits: the client hears ExitStarted, and the host stops by itself (exit 0) well within
    // the grace the main process gives it before killing.
    const exitStarted = new Promise<void>((resolve) => obs.once('ExitStarted', () => resolve()));
    const child = children.at(-1)!;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await supervisor.stop(60_000);
    await exitStarted;
    expect(await exited).toBe(0);
  });
});
