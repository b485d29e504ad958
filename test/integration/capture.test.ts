import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeClockOverlay } from '../../electron/engine/capture/clock.js';
import { discoverDevicesWithWarnings } from '../../electron/engine/capture/discover.js';
import { inputForSource, type FfmpegInput, type InputOptions } from '../../electron/engine/capture/sources.js';
import { tmpDir } from '../helpers/fixtures.js';

/**
 * Real capture on this machine: a PulseAudio server of the test's own with a null sink (its monitor is
 * what "desktop audio" is), an Xvfb display grabbed with x11grab, and the test pattern. Needs the Debian
 * packages pulseaudio, pulseaudio-utils (pactl) and xvfb; each part is skipped only when its binary is
 * missing. Every process started here runs under `timeout` and exits by itself even if the test dies.
 */
const run = promisify(execFile);
const FFMPEG = 'ffmpeg';
const OPTS: InputOptions = { width: 320, height: 240, fps: 30, sampleRate: 48000 };
/** Upper bound on the life of every helper process, so none outlives a crashed test run. */
const LIFETIME_S = '240';

function installed(name: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, name)));
}

/** Starts a helper under `timeout`, which forwards our SIGTERM to it and kills it when its time is up. */
function spawnBounded(command: string, args: string[], env: NodeJS.ProcessEnv, extraFd = false): ChildProcess {
  return spawn('timeout', ['-k', '5', LIFETIME_S, command, ...args], {
    env,
    stdio: extraFd ? ['ignore', 'ignore', 'pipe', 'pipe'] : ['ignore', 'ignore', 'pipe'],
  });
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}

/** Records `seconds` of one input, as the engine would open it, into `file`. */
async function capture(input: FfmpegInput, file: string, env: NodeJS.ProcessEnv, seconds = 1): Promise<void> {
  rmSync(file, { force: true });
  const codec = input.kind === 'audio' ? ['-c:a', 'pcm_s16le'] : ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'];
  await run(FFMPEG, ['-hide_banner', '-nostdin', '-loglevel', 'error', ...input.args, '-i', input.url, '-t', String(seconds), ...codec, file], {
    env,
    timeout: 30_000,
  });
}

interface ProbedStream {
  codec_type: string;
  width?: number;
  height?: number;
  sample_rate?: string;
  channels?: number;
  nb_read_frames?: string;
}

async function probe(file: string): Promise<{ streams: ProbedStream[]; duration: number }> {
  const { stdout } = await run('ffprobe', [
    '-v', 'error', '-count_frames',
    '-show_entries', 'stream=codec_type,width,height,sample_rate,channels,nb_read_frames:format=duration',
    '-of', 'json', file,
  ]);
  const data = JSON.parse(stdout) as { streams: ProbedStream[]; format: { duration: string } };
  return { streams: data.streams, duration: Number(data.format.duration) };
}

describe('the test pattern', () => {
  it('draws the clock exactly when this FFmpeg has drawtext, and runs as an input', async () => {
    const { stdout } = await run(FFMPEG, ['-hide_banner', '-filters']);
    const listed = /^\s*\S+\s+drawtext\s/m.test(stdout);
    const clock = await probeClockOverlay(FFMPEG);
    expect(clock).toBe(listed);

    const file = join(tmpDir('capture'), 'test-pattern.mkv');
    await capture(inputForSource({ kind: 'test-pattern' }, { ...OPTS, clock }), file, process.env);
    const { streams } = await probe(file);
    expect(streams).toHaveLength(1);
    expect(streams[0]).toMatchObject({ codec_type: 'video', width: 320, height: 240 });
    expect(Number(streams[0]?.nb_read_frames)).toBeGreaterThanOrEqual(25);
  });
});

describe.skipIf(!installed('pulseaudio') || !installed('pactl') || !installed('timeout'))('PulseAudio capture', () => {
  const dir = tmpDir('capture-pulse');
  const socket = join(dir, 'native');
  // The test's own server: HOME and XDG_RUNTIME_DIR keep its state out of the user's, PULSE_SERVER sends
  // every client (pactl, FFmpeg) to it.
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: dir, XDG_RUNTIME_DIR: dir, PULSE_SERVER: `unix:${socket}` };
  delete env.DISPLAY;
  let server: ChildProcess | undefined;
  let serverLog = '';

  beforeAll(async () => {
    rmSync(socket, { force: true });
    server = spawnBounded(
      'pulseaudio',
      [
        '-n', '--daemonize=no', '--exit-idle-time=30', '--use-pid-file=no', '--disable-shm=yes', '--log-target=stderr',
        `--load=module-native-protocol-unix socket=${socket} auth-anonymous=1`,
        '--load=module-null-sink sink_name=uplink_test',
      ],
      env,
    );
    server.stderr?.on('data', (chunk: Buffer) => (serverLog += chunk.toString()));
    for (let attempt = 0; ; attempt++) {
      const ready = await run('pactl', ['info'], { env, timeout: 5000 }).then(() => true, () => false);
      if (ready) break;
      if (server.exitCode !== null || attempt >= 100) throw new Error(`PulseAudio did not start:\n${serverLog}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  afterAll(async () => {
    await stop(server);
  });

  it('lists the null sink monitor as a desktop-audio source and records what the sink plays', async () => {
    const { devices } = await discoverDevicesWithWarnings({ ffmpegPath: FFMPEG, platform: 'linux', env });
    const monitor = devices.find((d) => d.id === 'pulse:uplink_test.monitor');
    expect(monitor).toMatchObject({ kind: 'audio', api: 'pulse', monitor: true });
    if (!monitor) return;

    // Something plays into the sink, so the monitor carries sound rather than silence.
    const player = spawnBounded(
      FFMPEG,
      ['-hide_banner', '-nostdin', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=30', '-f', 'pulse', '-device', 'uplink_test', 'uplink test tone'],
      env,
    );
    try {
      for (let attempt = 0; ; attempt++) {
        const { stdout } = await run('pactl', ['list', 'short', 'sink-inputs'], { env });
        if (stdout.trim() !== '') break;
        if (player.exitCode !== null || attempt >= 100) throw new Error('the tone never reached the sink');
        await new Promise((r) => setTimeout(r, 100));
      }
      const file = join(tmpDir('capture'), 'pulse-monitor.wav');
      await capture(inputForSource({ kind: 'device', device: monitor }, OPTS), file, env);
      const { streams, duration } = await probe(file);
      expect(streams).toHaveLength(1);
      expect(streams[0]).toMatchObject({ codec_type: 'audio', sample_rate: '48000', channels: 2 });
      expect(duration).toBeGreaterThan(0.5);
      const { stderr } = await run(FFMPEG, ['-hide_banner', '-nostdin', '-i', file, '-af', 'volumedetect', '-f', 'null', '-']);
      const maxVolume = Number(/max_volume: (-?[\d.]+|-inf) dB/.exec(stderr)?.[1]);
      expect(maxVolume).toBeGreaterThan(-40);
    } finally {
      await stop(player);
    }
  });
});

describe.skipIf(!installed('Xvfb') || !installed('timeout'))('X11 screen capture', () => {
  let xvfb: ChildProcess | undefined;
  let display = '';

  beforeAll(async () => {
    // -displayfd: Xvfb takes the first free display itself and writes its number once it accepts clients.
    xvfb = spawnBounded('Xvfb', ['-displayfd', '3', '-screen', '0', '640x480x24', '-nolisten', 'tcp'], process.env, true);
    const fd3 = xvfb.stdio[3] as NodeJS.ReadableStream | null | undefined;
    if (!fd3) throw new Error('Xvfb has no display pipe');
    let log = '';
    xvfb.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    display = await new Promise<string>((resolve, reject) => {
      let text = '';
      fd3.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('\n')) resolve(`:${text.trim()}`);
      });
      xvfb?.once('exit', () => reject(new Error(`Xvfb exited:\n${log}`)));
    });
  });

  afterAll(async () => {
    await stop(xvfb);
  });

  it('finds the display from $DISPLAY with its size and grabs 640x480 video from it', async () => {
    const env = { ...process.env, DISPLAY: display };
    const { devices } = await discoverDevicesWithWarnings({ ffmpegPath: FFMPEG, platform: 'linux', env });
    const screen = devices.find((d) => d.kind === 'screen');
    expect(screen).toMatchObject({ id: `x11grab:${display}`, api: 'x11grab', formats: [{ width: 640, height: 480 }] });
    if (!screen) return;

    const file = join(tmpDir('capture'), 'x11grab.mkv');
    await capture(inputForSource({ kind: 'device', device: screen }, OPTS), file, env);
    const { streams } = await probe(file);
    expect(streams).toHaveLength(1);
    expect(streams[0]).toMatchObject({ codec_type: 'video', width: 640, height: 480 });
    expect(Number(streams[0]?.nb_read_frames)).toBeGreaterThan(0);
  });
});
