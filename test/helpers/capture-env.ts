import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { tmpDir } from './fixtures.js';

/**
 * Real capture devices on a machine without any: a PulseAudio server of the test's own with a null sink
 * (its monitor is what "desktop audio" is) and an Xvfb display. Needs the Debian packages pulseaudio,
 * pulseaudio-utils (pactl) and xvfb. Every process runs under `timeout` and exits by itself even if the
 * test dies.
 */
const run = promisify(execFile);

/** Upper bound on the life of every helper process, so none outlives a crashed test run. */
const LIFETIME_S = '240';

export function installed(name: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, name)));
}

/** Starts a helper under `timeout`, which forwards our SIGTERM to it and kills it when its time is up. */
export function spawnBounded(command: string, args: string[], env: NodeJS.ProcessEnv, extraFd = false): ChildProcess {
  return spawn('timeout', ['-k', '5', LIFETIME_S, command, ...args], {
    env,
    stdio: extraFd ? ['ignore', 'ignore', 'pipe', 'pipe'] : ['ignore', 'ignore', 'pipe'],
  });
}

export async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}

export interface PulseServer {
  /** The environment that sends every client (pactl, FFmpeg, uplink) to this server. */
  env: NodeJS.ProcessEnv;
  /** The null sink's name; its monitor source is `${sink}.monitor`. */
  sink: string;
  stop(): Promise<void>;
}

export async function startPulse(name = 'capture-pulse'): Promise<PulseServer> {
  const dir = tmpDir(name);
  const socket = join(dir, 'native');
  // HOME and XDG_RUNTIME_DIR keep its state out of the user's; PULSE_SERVER sends every client to it.
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: dir, XDG_RUNTIME_DIR: dir, PULSE_SERVER: `unix:${socket}` };
  delete env.DISPLAY;
  rmSync(socket, { force: true });
  const sink = 'uplink_test';
  const server = spawnBounded(
    'pulseaudio',
    [
      '-n', '--daemonize=no', '--exit-idle-time=30', '--use-pid-file=no', '--disable-shm=yes', '--log-target=stderr',
      `--load=module-native-protocol-unix socket=${socket} auth-anonymous=1`,
      `--load=module-null-sink sink_name=${sink}`,
    ],
    env,
  );
  let log = '';
  server.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  for (let attempt = 0; ; attempt++) {
    const ready = await run('pactl', ['info'], { env, timeout: 5000 }).then(() => true, () => false);
    if (ready) break;
    if (server.exitCode !== null || attempt >= 100) throw new Error(`PulseAudio did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { env, sink, stop: () => stopProcess(server) };
}

export interface XDisplay {
  /** `:N` */
  display: string;
  stop(): Promise<void>;
}

export async function startXvfb(size = '640x480'): Promise<XDisplay> {
  // -displayfd: Xvfb takes the first free display itself and writes its number once it accepts clients.
  const xvfb = spawnBounded('Xvfb', ['-displayfd', '3', '-screen', '0', `${size}x24`, '-nolisten', 'tcp'], process.env, true);
  const fd3 = xvfb.stdio[3] as NodeJS.ReadableStream | null | undefined;
  if (!fd3) throw new Error('Xvfb has no display pipe');
  let log = '';
  xvfb.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const display = await new Promise<string>((resolve, reject) => {
    let text = '';
    fd3.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) resolve(`:${text.trim()}`);
    });
    xvfb.once('exit', () => reject(new Error(`Xvfb exited:\n${log}`)));
  });
  return { display, stop: () => stopProcess(xvfb) };
}
