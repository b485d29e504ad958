import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeClockOverlay } from '../../electron/engine/capture/clock.js';
import { discoverDevicesWithWarnings } from '../../electron/engine/capture/discover.js';
import { inputForSource, type FfmpegInput, type InputOptions } from '../../electron/engine/capture/sources.js';
import { type PulseServer, type XDisplay, installed, spawnBounded, startPulse, startXvfb, stopProcess } from '../helpers/capture-env.js';
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
  let pulse: PulseServer;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    pulse = await startPulse();
    env = pulse.env;
  });

  afterAll(async () => {
    await pulse?.stop();
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
      await stopProcess(player);
    }
  });
});

describe.skipIf(!installed('Xvfb') || !installed('timeout'))('X11 screen capture', () => {
  let x: XDisplay;
  let display = '';

  beforeAll(async () => {
    x = await startXvfb();
    display = x.display;
  });

  afterAll(async () => {
    await x?.stop();
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
