/**
 * The compositor's side outputs on real FFmpeg: two tones of known level metered on pipe:3 and pipe:4,
 * a 720p test picture previewed on pipe:5, the program itself as raw video on stdout. A paused preview
 * reader must not slow the program; the meters must read the tones' levels at 20 Hz of media time.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { FfmpegProcess } from '../../electron/engine/ffmpeg/process.js';
import { MeterReader, meterChain, type MeterReading } from '../../electron/engine/scenes/meters.js';
import { DEFAULT_PREVIEW, PreviewReader, previewChain, previewOutput, type PreviewFrame } from '../../electron/engine/scenes/preview.js';
import { measureCommand } from '../bench/measure.js';
import { until } from '../helpers/wait.js';

const FFMPEG = 'ffmpeg';
const SECONDS = 14;
const FPS = 30;
/** The program leaves as small grey raw video: counting its frames is the point, not its pixels. */
const MAIN_W = 320;
const MAIN_H = 180;
const PAUSE_MS = 5_000;

/** Width and height from a JPEG's start-of-frame segment, walking the segments from SOI. */
function jpegSize(jpeg: Buffer): { width: number; height: number } | null {
  let at = 2;
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff) {
    const marker = jpeg[at + 1]!;
    if (marker >= 0xc0 && marker <= 0xc3) return { height: jpeg.readUInt16BE(at + 5), width: jpeg.readUInt16BE(at + 7) };
    if (marker === 0xda) return null;
    at += 2 + jpeg.readUInt16BE(at + 2);
  }
  return null;
}

/** Expected levels of a sine of amplitude a: peak 20log10(a), RMS 20log10(a/sqrt 2). */
function sineLevels(amplitude: number): { peakDb: number; rmsDb: number } {
  return { peakDb: 20 * Math.log10(amplitude), rmsDb: 20 * Math.log10(amplitude / Math.SQRT2) };
}

describe('preview and meters on one FFmpeg', () => {
  it('meters two tones at 20 Hz and keeps the program at full rate while the preview reader pauses', async () => {
    const tones = [
      { fd: 3, amplitude: 0.5, frequency: 1000 },
      { fd: 4, amplitude: 0.1, frequency: 440 },
    ];
    const previewFd = 5;
    const graph = [
      '[0:v]split=2[main_in][preview_in]',
      `[main_in]scale=${MAIN_W}:${MAIN_H},format=gray[main]`,
      `[preview_in]${previewChain(DEFAULT_PREVIEW)}[preview]`,
      ...tones.flatMap((tone, i) => [`[${i + 1}:a]asplit=2[mix${i}][meter${i}]`, `[meter${i}]${meterChain(tone.fd, { sampleRate: 48_000 })}`]),
      `${tones.map((_, i) => `[mix${i}]`).join('')}amix=inputs=${tones.length}[aout]`,
    ].join(';');
    const preview = previewOutput('preview', previewFd);
    const args = [
      '-hide_banner', '-loglevel', 'level+info',
      // Real-time inputs that end by themselves: the run stops without anyone sending 'q'.
      '-re', '-f', 'lavfi', '-t', String(SECONDS), '-i', `testsrc2=s=1280x720:r=${FPS}`,
      ...tones.flatMap((tone) => ['-re', '-f', 'lavfi', '-t', String(SECONDS), '-i', `aevalsrc=${tone.amplitude}*sin(2*PI*${tone.frequency}*t):s=48000`]),
      '-filter_complex', graph,
      '-map', '[main]', '-c:v', 'rawvideo', '-f', 'rawvideo', 'pipe:1',
      '-map', '[aout]', '-c:a', 'pcm_s16le', '-f', 'null', '-',
      ...preview.args, preview.url,
    ];
    const ffmpeg = new FfmpegProcess({ ffmpegPath: FFMPEG, args, extraPipes: 3 });

    let mainBytes = 0;
    ffmpeg.stdout.on('data', (chunk: Buffer) => (mainBytes += chunk.length));
    const mainFrames = (): number => Math.floor(mainBytes / (MAIN_W * MAIN_H));

    const meterReaders = tones.map((tone) => new MeterReader(ffmpeg.sidePipes[tone.fd - 3]!));
    const readings: MeterReading[][] = tones.map(() => []);
    meterReaders.forEach((reader, i) => reader.on('level', (level) => readings[i]!.push(level)));

    const previewPipe = ffmpeg.sidePipes[previewFd - 3]!;
    const readerStart = performance.now();
    const reader = new PreviewReader(previewPipe);
    const frames: PreviewFrame[] = [];
    reader.on('frame', (frame) => frames.push(frame));
    const previewEnded = new Promise<void>((resolve) => reader.once('end', resolve));

    // Two seconds of preview flowing, then the reader stops reading for 5 s.
    await until(() => reader.frames >= 30 || !ffmpeg.running, 20_000);
    expect(ffmpeg.running).toBe(true);
    previewPipe.pause();
    const pausedAt = performance.now();
    const mainBefore = mainFrames();
    const previewBefore = reader.frames;
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
    const pausedMs = performance.now() - pausedAt;
    const mainDuring = mainFrames() - mainBefore;
    const previewDuring = reader.frames - previewBefore;
    previewPipe.resume();
    const resumedAt = performance.now();
    await until(() => reader.frames >= previewBefore + previewDuring + 10 || !ffmpeg.running, 20_000);
    const resumeFrame = frames[previewBefore + previewDuring];

    const exit = await ffmpeg.exited;
    await previewEnded;
    expect(exit.reason, exit.stderrTail.join('\n')).toBe('ended');

    const expectedDuring = (FPS * pausedMs) / 1000;
    console.log(
      `preview paused ${(pausedMs / 1000).toFixed(2)} s: program +${mainDuring} frames (real time: ${expectedDuring.toFixed(0)}), ` +
        `preview +${previewDuring}; program total ${mainFrames()} of ${SECONDS * FPS}; preview total ${reader.frames} of ${SECONDS * DEFAULT_PREVIEW.fps}; ` +
        `first preview frame after resume arrived ${resumeFrame ? (resumeFrame.at - (resumedAt - readerStart)).toFixed(0) : '?'} ms after resume`,
    );
    // A blocked preview would hold the program after the fifo queue (1 s) and the pipe (a frame) filled: ~35 frames.
    expect(mainDuring).toBeGreaterThanOrEqual(0.6 * expectedDuring);
    expect(previewDuring).toBeLessThanOrEqual(1);
    expect(mainFrames()).toBe(SECONDS * FPS);
    // Preview frames resumed after the pause, and kept coming until the end.
    expect(reader.frames).toBeGreaterThanOrEqual(previewBefore + previewDuring + 10);

    for (const frame of frames) expect(jpegSize(frame.jpeg)).toEqual({ width: 640, height: 360 });
    const decoded = execFileSync(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-f', 'mjpeg', '-i', 'pipe:0', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'], {
      input: reader.latest()!.jpeg,
    });
    expect(decoded.length).toBe(640 * 360);

    tones.forEach((tone, i) => {
      const all = readings[i]!;
      // The last window may be short (p=0): its peak can miss the crest.
      const measured = all.slice(0, -1);
      const times = measured.map((r) => r.time!);
      const span = times[times.length - 1]! - times[0]! + 0.05;
      const hz = measured.length / span;
      const expected = sineLevels(tone.amplitude);
      const worst = Math.max(...measured.map((r) => Math.max(Math.abs(r.peakDb - expected.peakDb), Math.abs(r.rmsDb - expected.rmsDb))));
      console.log(
        `meter pipe:${tone.fd} (${tone.amplitude} x sine ${tone.frequency} Hz): ${all.length} readings over ${span.toFixed(2)} s of media = ${hz.toFixed(2)} Hz; ` +
          `first peak ${measured[0]!.peakDb.toFixed(3)} dBFS rms ${measured[0]!.rmsDb.toFixed(3)} dBFS (expected ${expected.peakDb.toFixed(3)} / ${expected.rmsDb.toFixed(3)}); worst error ${worst.toFixed(4)} dB`,
      );
      expect(times.every((t) => Number.isFinite(t))).toBe(true);
      expect(span).toBeGreaterThan(SECONDS - 1);
      expect(hz).toBeGreaterThanOrEqual(20 - 1e-6);
      expect(worst).toBeLessThan(0.5);
      expect(meterReaders[i]!.latest()).toEqual(all[all.length - 1]);
    });
  });

  it('prints what the preview costs on a 720p30 program', async () => {
    // Unpaced: the same 300 frames either way, so CPU seconds compare directly.
    const base = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-t', '10', '-i', 'testsrc2=s=1280x720:r=30'];
    const main = ['-map', '[main]', '-c:v', 'rawvideo', '-f', 'rawvideo', '/dev/null'];
    const preview = previewOutput('preview', 3);
    const variants = {
      off: [...base, '-filter_complex', '[0:v]null[main]', ...main],
      on: [...base, '-filter_complex', `[0:v]split=2[main][p];[p]${previewChain(DEFAULT_PREVIEW)}[preview]`, ...main, ...preview.args, '/dev/null'],
    };
    // The compositor runs FFmpeg with glibc's malloc thresholds raised (the notes: malloc pressure
    // distorts graph costs), so both settings are printed.
    const environments = {
      'default malloc': process.env,
      'malloc thresholds raised': { ...process.env, MALLOC_MMAP_THRESHOLD_: '1000000000', MALLOC_TRIM_THRESHOLD_: '1000000000' },
    };
    const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    for (const [label, env] of Object.entries(environments)) {
      const cpu: Record<keyof typeof variants, number[]> = { off: [], on: [] };
      for (let round = 0; round < 3; round += 1) {
        for (const name of ['off', 'on'] as const) {
          const run = await measureCommand(FFMPEG, variants[name], env);
          expect(run.code, run.stderr).toBe(0);
          cpu[name].push(run.cpuSec);
        }
      }
      const off = median(cpu.off);
      const on = median(cpu.on);
      console.log(
        `preview cost (${label}), 720p30 testsrc2 -> rawvideo, 10 s, median of 3: off ${off.toFixed(2)} CPU-s, on ${on.toFixed(2)} CPU-s ` +
          `(preview ${(((on - off) / 10) * 100).toFixed(1)} % of a core; x${(on / off).toFixed(2)} of a program that only generates and copies pictures)`,
      );
    }
  });
});
