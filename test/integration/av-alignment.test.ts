import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { filter } from '../../electron/engine/capture/filtergraph.js';
import type { FfmpegInput } from '../../electron/engine/ffmpeg/argv.js';
import { ProgramEncoder } from '../../electron/engine/ffmpeg/program-encoder.js';
import type { FlvTag } from '../../electron/engine/flv/reader.js';
import { encodeFlvHeader, encodeFlvTag } from '../../electron/engine/flv/writer.js';
import { validateEncoding } from '../../electron/engine/settings/encoding.js';
import { tmpDir } from '../helpers/fixtures.js';
import { until } from '../helpers/wait.js';

/**
 * A camera and a microphone that start a second apart, as live devices do: two local feeders that
 * FFmpeg reads over TCP and stamps with the wall clock (-use_wallclock_as_timestamps, like every device
 * input). Both mark the same wall-clock instants, every 2 s: the picture flashes white for a frame, the
 * sound beeps. In the program the flashes and the beeps must coincide, whatever the start offset.
 * (A 2 s period makes a 1 s offset the worst case rather than an alias of the next marker.)
 */
const run = promisify(execFile);
const FPS = 25;
const FRAME_MS = 1000 / FPS;
const MARK_PERIOD_MS = 2000;
const AUDIO_LATE_MS = 1000;
const SAMPLE_RATE = 48000;
const CHUNK_MS = 10;
const WIDTH = 64;
const HEIGHT = 36;

const servers: Server[] = [];
const sockets = new Set<Socket>();
const timers: NodeJS.Timeout[] = [];

afterEach(async () => {
  for (const timer of timers.splice(0)) clearInterval(timer);
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/**
 * A local server that, once FFmpeg connects, writes `make(slotStartMs)` for each slot of the wall clock
 * (slots start at multiples of slotMs) as it falls due: a video frame at its instant, like a camera, and
 * an audio chunk once its time has passed, like a sound card's buffer.
 */
async function feeder(slotMs: number, startDelayMs: number, writeAt: 'start' | 'end', make: (slotStartMs: number) => Buffer): Promise<string> {
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    let next = Math.ceil((Date.now() + startDelayMs) / slotMs) * slotMs;
    const lag = writeAt === 'end' ? slotMs : 0;
    const timer = setInterval(() => {
      while (next + lag <= Date.now() && !socket.destroyed) {
        socket.write(make(next));
        next += slotMs;
      }
    }, 2);
    timers.push(timer);
    socket.on('close', () => clearInterval(timer));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `tcp://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Whether [startMs, startMs + lengthMs) contains a marker instant. */
const holdsMark = (startMs: number, lengthMs: number): boolean =>
  Math.floor((startMs + lengthMs - 1) / MARK_PERIOD_MS) > Math.floor((startMs - 1) / MARK_PERIOD_MS);

function videoFrame(startMs: number): Buffer {
  return Buffer.alloc(WIDTH * HEIGHT, holdsMark(startMs, FRAME_MS) ? 235 : 16);
}

function audioChunk(startMs: number): Buffer {
  const samples = (SAMPLE_RATE * CHUNK_MS) / 1000;
  const out = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) {
    const t = startMs + (i * 1000) / SAMPLE_RATE;
    // 60 ms of 1 kHz from each marker instant.
    if (t % MARK_PERIOD_MS < 60) out.writeInt16LE(Math.round(16_000 * Math.sin((2 * Math.PI * 1000 * t) / 1000)), i * 2);
  }
  return out;
}

/** Times (s) at which a per-frame value rises above `threshold` after being below it. */
function onsets(rows: Array<[number, number]>, threshold: number): number[] {
  const times: number[] = [];
  let above = true; // an onset needs a quiet/dark moment first
  for (const [time, value] of rows) {
    if (value > threshold && !above) times.push(time);
    above = value > threshold;
  }
  return times;
}

async function lavfiRows(graph: string, tag: string): Promise<Array<[number, number]>> {
  const { stdout } = await run(
    'ffprobe',
    ['-v', 'error', '-f', 'lavfi', '-i', graph, '-show_entries', `frame=pts_time:frame_tags=${tag}`, '-of', 'csv=p=0'],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout
    .trim()
    .split('\n')
    .map((line) => line.split(',').map(Number) as [number, number])
    .filter(([time, value]) => Number.isFinite(time) && Number.isFinite(value));
}

describe('A/V alignment of live inputs', () => {
  it('a microphone that starts 1 s after the camera is still in sync with it: beeps and flashes line up within a frame', async () => {
    const videoUrl = await feeder(FRAME_MS, 0, 'start', videoFrame);
    const audioUrl = await feeder(CHUNK_MS, AUDIO_LATE_MS, 'end', audioChunk);
    const inputs: FfmpegInput[] = [
      {
        args: ['-f', 'rawvideo', '-pixel_format', 'gray', '-video_size', `${WIDTH}x${HEIGHT}`, '-framerate', String(FPS), '-use_wallclock_as_timestamps', '1'],
        url: videoUrl,
        kind: 'video',
        clock: 'wall',
      },
      {
        args: ['-f', 's16le', '-sample_rate', String(SAMPLE_RATE), '-channels', '1', '-use_wallclock_as_timestamps', '1'],
        url: audioUrl,
        kind: 'audio',
        clock: 'wall',
      },
    ];
    const settings = validateEncoding({ width: 160, height: 90, fps: FPS, videoBitrateKbps: 200, keyframeIntervalSec: 1, preset: 'ultrafast' });
    const encoder = new ProgramEncoder({ ffmpegPath: 'ffmpeg', settings, inputs });
    const tags: FlvTag[] = [];
    encoder.on('tag', (tag) => tags.push(tag));
    encoder.start();
    try {
      await encoder.ready;
      const firstVideo = (): number => tags.find((t) => t.kind === 'video')?.timestamp ?? 0;
      const lastAudio = (): number => tags.filter((t) => t.kind === 'audio').at(-1)?.timestamp ?? 0;
      await until(() => lastAudio() >= firstVideo() + 4 * MARK_PERIOD_MS + AUDIO_LATE_MS, 60_000);
    } finally {
      await encoder.stop();
    }

    // One timeline counted from the launch: the program starts near 0, not at the wall clock's 1.7e12 ms.
    expect(tags.find((t) => t.kind === 'video')!.timestamp).toBeLessThan(10_000);
    const file = join(tmpDir('av-alignment'), 'program.flv');
    writeFileSync(file, Buffer.concat([encodeFlvHeader({ hasAudio: true, hasVideo: true }), ...tags.map((t) => encodeFlvTag(t))]));
    const source = filter('movie', [['filename', file]]);
    const flashes = onsets(await lavfiRows(`${source},signalstats`, 'lavfi.signalstats.YAVG'), 128);
    const audioSource = filter('amovie', [['filename', file]]);
    const levels = await lavfiRows(`${audioSource},asetnsamples=n=240,astats=metadata=1:reset=1`, 'lavfi.astats.Overall.RMS_level');
    const beeps = onsets(levels, -30);
    console.log(`flashes at ${flashes.map((t) => t.toFixed(3)).join(' ')} s; beeps at ${beeps.map((t) => t.toFixed(3)).join(' ')} s`);

    // Each beep against the nearest flash: the same instant, within about a frame. Wall-clock stamping
    // marks a packet when its last byte is read, so the audio (whole PCM packets, as a sound card's) runs
    // up to a packet late: about 40 ms here, one frame.
    expect(beeps.length).toBeGreaterThanOrEqual(3);
    const offsets = beeps.map((beep) => Math.min(...flashes.map((flash) => Math.abs(flash - beep) * 1000)));
    console.log(`A/V offsets at the markers: ${offsets.map((ms) => ms.toFixed(0)).join(', ')} ms (target: median <= ${(1.25 * FRAME_MS).toFixed(0)} ms)`);
    const sorted = [...offsets].sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThanOrEqual(1.25 * FRAME_MS);
    for (const offset of offsets) expect(offset).toBeLessThanOrEqual(2 * FRAME_MS);
  });
});
