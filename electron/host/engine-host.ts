/**
 * The engine host's entry: runs the Studio in its own process, so that a busy or crashed window never
 * touches the stream. Pure Node: it runs as an Electron `utilityProcess` (messages on
 * `process.parentPort`, windows' MessagePorts handed over with them) and as a plain `child_process.fork`
 * child (`process.send`, started with `serialization: 'advanced'` so preview pictures stay binary).
 *
 * Arguments: `--ffmpeg PATH`, `--cache-dir DIR` (both optional).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Studio } from '../engine/studio.js';
import { EngineHost, type ParentChannel } from './host.js';
import type { HostToParent } from './parent-protocol.js';
import type { MessagePortLike } from './port.js';
import { errorMessage } from '../engine/errors.js';
import { type ProfileSaver, openProfile } from '../engine/profile/studio-profile.js';
import { ObsWebSocketController, allowedRoots, createObsFront } from '../remote/server.js';

interface ElectronParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown; ports: MessagePortLike[] }) => void): unknown;
}

function parentChannel(): ParentChannel {
  const electronPort = (process as unknown as { parentPort?: ElectronParentPort }).parentPort;
  if (electronPort) {
    return {
      post: (message: HostToParent) => electronPort.postMessage(message),
      onMessage: (listener) => electronPort.on('message', (e) => listener(e.data, e.ports ?? [])),
    };
  }
  const send = process.send?.bind(process);
  if (!send) throw new Error('the engine host runs as a utilityProcess or a forked child process; it was started alone');
  // The parent's end is the host's lifeline: without a parent nobody can reach the studio.
  process.on('disconnect', () => process.exit(0));
  return {
    post: (message: HostToParent) => {
      if (process.connected) send(message);
    },
    onMessage: (listener) => process.on('message', (data) => listener(data, [])),
  };
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const host = new EngineHost(parentChannel());
const ffmpegPath = argValue('--ffmpeg');
const cacheDir = argValue('--cache-dir');
const profileDir = argValue('--profile');
const studio = new Studio({
  secrets: host.secrets,
  ...(profileDir ? { recordingsDir: join(profileDir, 'recordings') } : {}),
  ...(ffmpegPath ? { ffmpegPath } : {}),
  ...(cacheDir ? { cacheDir } : {}),
});
let saver: ProfileSaver | undefined;
let obsWebSocket: ObsWebSocketController | undefined;

/**
 * The app quits: obs-websocket clients hear ExitStarted, the stream and the recording end as a stop
 * would end them (the servers see the stream unpublished, the file is finished) once the scenes are
 * saved, and then the host exits. The main process kills it if this takes too long.
 */
async function shutdown(): Promise<void> {
  const step = async (what: string, run: () => Promise<void> | undefined): Promise<void> => {
    try {
      await run();
    } catch (err) {
      console.error(`uplink engine: ${what}: ${errorMessage(err)}`);
    }
  };
  await step('obs-websocket', () => obsWebSocket?.stop());
  await step('saving the profile', () => saver?.stop());
  await step('stopping the studio', () => studio.dispose());
  process.exit(0);
}

host.start(studio, shutdown);

// The desktop app's scenes: the profile's collection, or a first scene from this computer's camera and
// microphone (the test pattern and a tone without them), saved back on every change.
if (profileDir) {
  mkdirSync(join(profileDir, 'recordings'), { recursive: true });
  openProfile(studio, profileDir)
    // obs-websocket, once the profile's settings are in: off until the streamer turns it on in Settings,
    // then on this computer's loopback only, with the password the settings show.
    .then((opened) => {
      saver = opened;
      const [mediaDir, recordingsDir] = allowedRoots(profileDir) as [string, string];
      obsWebSocket = new ObsWebSocketController(studio, { folders: { profileDir, mediaDir, recordingsDir }, createFront: (port) => createObsFront(port) });
      return obsWebSocket.start();
    })
    .catch((err: unknown) => console.error(`uplink engine: ${errorMessage(err)}`));
}
