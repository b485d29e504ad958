import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { inputForSource } from '../../electron/engine/capture/sources.js';
import type { FfmpegInput } from '../../electron/engine/ffmpeg/argv.js';
import { ProgramEncoder } from '../../electron/engine/ffmpeg/program-encoder.js';
import type { FfmpegProgress } from '../../electron/engine/ffmpeg/stderr.js';
import type { FlvTag } from '../../electron/engine/flv/reader.js';
import { validateEncoding, type EncodingSettings } from '../../electron/engine/settings/encoding.js';
import { tmpDir } from '../helpers/fixtures.js';
import { isRunning, until } from '../helpers/wait.js';

const FPS = 15;
const FRAME_MS = 1000 / FPS;
const settings = validateEncoding({ width: 320, height: 180, fps: FPS, videoBitrateKbps: 300, keyframeIntervalSec: 1, preset: 'ultrafast' });
const opts = { width: 320, height: 180, fps: FPS, sampleRate: 48000, clock: false };
const inputs = [inputForSource({ kind: 'test-pattern' }, opts), inputForSource({ kind: 'tone' }, opts)];
/** The same sources marked as a camera would be: one process at a time, so restarts stop then start. */
const exclusiveInputs: FfmpegInput[] = inputs.map((input) => ({ ...input, exclusive: true }));

const encoders: ProgramEncoder[] = [];

function makeEncoder(options: { settings?: EncodingSettings; inputs?: readonly FfmpegInput[] } = {}): ProgramEncoder {
  const encoder = new ProgramEncoder({ ffmpegPath: 'ffmpeg', settings: options.settings ?? settings, inputs: options.inputs ?? inputs });
  encoders.push(encoder);
  return encoder;
}

afterEach(async () => {
  await Promise.all(encoders.splice(0).map((encoder) => encoder.stop()));
});

function collect(encoder: ProgramEncoder): FlvTag[] {
  const tags: FlvTag[] = [];
  encoder.on('tag', (tag) => tags.push(tag));
  return tags;
}

const isHeader = (t: FlvTag): boolean => t.kind === 'script' || t.video?.sequenceHeader === true || t.audio?.sequenceHeader === true;
const media = (tags: readonly FlvTag[], kind: 'video' | 'audio'): FlvTag[] => tags.filter((t) => t.kind === kind && !isHeader(t));

/** The largest step between consecutive timestamps of one kind, in media time (ms). */
function largestGap(tags: readonly FlvTag[]): number {
  let gap = 0;
  for (let i = 1; i < tags.length; i++) gap = Math.max(gap, tags[i]!.timestamp - tags[i - 1]!.timestamp);
  return gap;
}

function isNonDecreasing(tags: readonly FlvTag[]): boolean {
  return tags.every((t, i) => i === 0 || t.timestamp >= tags[i - 1]!.timestamp);
}

/** Video bitrate in kbit/s of the frames in [fromMs, fromMs + spanMs), from the bytes that were emitted. */
function videoKbps(tags: readonly FlvTag[], fromMs: number, spanMs: number): number {
  const bytes = media(tags, 'video')
    .filter((t) => t.timestamp >= fromMs && t.timestamp < fromMs + spanMs)
    .reduce((sum, t) => sum + t.data.length, 0);
  return (bytes * 8) / spanMs;
}

/** FFmpeg processes that are children of this test process, from /proc. */
function childFfmpegPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const match = /^\d+ \((.*)\) (\S) (\d+)/.exec(stat);
      if (match?.[1] === 'ffmpeg' && match[2] !== 'Z' && Number(match[3]) === process.pid) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Program media time (ms) of the last emitted video frame. */
const lastVideoMs = (tags: readonly FlvTag[]): number => media(tags, 'video').at(-1)?.timestamp ?? -1;

describe('the program encoder: changing settings without a gap', () => {
  it('changes the bitrate mid-stream with no audio or video gap beyond two frames, and the new bitrate is what is sent', async () => {
    const encoder = makeEncoder();
    const tags = collect(encoder);
    encoder.start();
    await encoder.ready;
    await until(() => lastVideoMs(tags) >= 3000, 30_000);
    const pidBefore = encoder.pid;
    await encoder.restart({ ...settings, videoBitrateKbps: 900 });
    expect(encoder.pid).not.toBe(pidBefore);
    // The cut is where the new FFmpeg's headers went into the program, right before its keyframe.
    const cutIndex = tags.findLastIndex((t) => t.video?.sequenceHeader === true);
    expect(cutIndex).toBeGreaterThan(0);
    const cutKeyframe = tags.slice(cutIndex).find((t) => t.kind === 'video' && !isHeader(t))!;
    expect(cutKeyframe.video?.frameType).toBe('key');
    const cutMs = cutKeyframe.timestamp;
    await until(() => lastVideoMs(tags) >= cutMs + 3000, 30_000);
    await encoder.stop();

    const video = media(tags, 'video');
    const audio = media(tags, 'audio');
    expect(isNonDecreasing(video)).toBe(true);
    expect(isNonDecreasing(audio)).toBe(true);
    const videoGap = largestGap(video);
    const audioGap = largestGap(audio);
    console.log(`bitrate change: largest video gap ${videoGap} ms, audio gap ${audioGap} ms (target <= ${(2 * FRAME_MS).toFixed(0)} ms)`);
    expect(videoGap).toBeLessThanOrEqual(2 * FRAME_MS);
    expect(audioGap).toBeLessThanOrEqual(2 * FRAME_MS);

    const before = videoKbps(tags, cutMs - 2000, 2000);
    const after = videoKbps(tags, cutMs, 2000);
    console.log(`bitrate change: ${before.toFixed(0)} kbit/s before the cut, ${after.toFixed(0)} kbit/s after (asked 300 -> 900)`);
    expect(before).toBeGreaterThan(300 * 0.7);
    expect(before).toBeLessThan(300 * 1.3);
    expect(after).toBeGreaterThan(900 * 0.7);
    expect(after).toBeLessThan(900 * 1.3);
    expect(childFfmpegPids()).toEqual([]);
  });

  it('a restart that cannot start leaves the running FFmpeg streaming and says why', async () => {
    const encoder = makeEncoder();
    const tags = collect(encoder);
    encoder.start();
    await encoder.ready;
    const pid = encoder.pid;
    const failed = await encoder.restart(settings, [inputForSource({ kind: 'color', color: 'notacolour' }, opts), inputs[1]!]).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failed).toMatchObject({ code: 'FFMPEG_SOURCE_INVALID' });
    expect(encoder.pid).toBe(pid);
    const count = media(tags, 'video').length;
    await until(() => media(tags, 'video').length >= count + FPS);
    expect(largestGap(media(tags, 'video'))).toBeLessThanOrEqual(2 * FRAME_MS);
  });
});

describe('the program encoder: restarts one at a time', () => {
  for (const [name, sources] of [
    ['overlapping', inputs],
    ['stop-then-start (a camera)', exclusiveInputs],
  ] as const) {
    it(`${name}: concurrent restarts leave one FFmpeg, with the settings asked for last`, async () => {
      const encoder = makeEncoder({ inputs: sources });
      const tags = collect(encoder);
      encoder.start();
      await encoder.ready;
      // Dynamic bitrate while a settings change is applied; then another change supersedes a waiting one.
      const changes = [
        encoder.restart({ ...encoder.currentSettings, width: 480, height: 270 }),
        encoder.restart({ ...encoder.currentSettings, videoBitrateKbps: 250 }),
        encoder.restart({ ...encoder.currentSettings, videoBitrateKbps: 200 }),
      ];
      await Promise.all(changes);
      expect(encoder.currentSettings).toMatchObject({ width: 480, height: 270, videoBitrateKbps: 200 });
      expect(childFfmpegPids()).toEqual([encoder.pid]);
      const seen = tags.length;
      await until(() => media(tags.slice(seen), 'video').length >= FPS);
      await encoder.stop();
      expect(childFfmpegPids()).toEqual([]);
      expect(isNonDecreasing(media(tags, 'video'))).toBe(true);
      expect(isNonDecreasing(media(tags, 'audio'))).toBe(true);
    });

    it(`${name}: stop() during a restart ends with 'ended' and leaves no FFmpeg`, async () => {
      const encoder = makeEncoder({ inputs: sources });
      encoder.start();
      await encoder.ready;
      const ended = new Promise<string>((resolve) => encoder.once('ended', (exit) => resolve(exit.reason)));
      const pids = [...encoder.pids];
      const restarting = encoder.restart({ ...settings, videoBitrateKbps: 400 });
      pids.push(...encoder.pids);
      await encoder.stop();
      expect(await ended).toBe('stopped');
      await restarting;
      expect(childFfmpegPids()).toEqual([]);
      for (const pid of pids) expect(isRunning(pid)).toBe(false);
    });
  }

  it('stop-then-start: the frames the old FFmpeg flushes as it stops are all emitted', async () => {
    const encoder = makeEncoder({ inputs: exclusiveInputs });
    const tags = collect(encoder);
    const stats: FfmpegProgress[] = [];
    encoder.on('stats', (progress) => stats.push(progress));
    encoder.start();
    await encoder.ready;
    await until(() => media(tags, 'video').length >= 2 * FPS);
    const restarted = new Promise<number>((resolve) => encoder.once('restarted', () => resolve(tags.length)));
    await encoder.restart({ ...settings, videoBitrateKbps: 400 });
    const before = tags.slice(0, await restarted);
    // FFmpeg's summary line counts every frame it encoded; each one reached the program.
    const summary = stats.find((s) => s.final);
    expect(summary?.frame).toBeGreaterThan(0);
    expect(media(before, 'video')).toHaveLength(summary!.frame!);
  });
});

describe('the program encoder: ready, crashes and failures', () => {
  it('is ready at the first keyframe', async () => {
    const encoder = makeEncoder();
    const tags = collect(encoder);
    encoder.start();
    await encoder.ready;
    expect(media(tags, 'video')[0]?.video?.frameType).toBe('key');
  });

  it('rejects ready with the reason when the encoder cannot work: a listed-but-unusable encoder, an unknown colour, a file that is not media', async () => {
    const notMedia = join(tmpDir('program-encoder'), 'not-media.mp4');
    writeFileSync(notMedia, 'this is text, not a video\n'.repeat(100));
    const cases: Array<[string, EncodingSettings, FfmpegInput[], string]> = [
      // This machine's FFmpeg lists NVENC, but there is no NVIDIA driver.
      ['nvenc', { ...settings, encoder: 'h264_nvenc', preset: 'p4' }, inputs, 'FFMPEG_ENCODER_FAILED'],
      ['colour', settings, [inputForSource({ kind: 'color', color: 'notacolour' }, opts), inputs[1]!], 'FFMPEG_SOURCE_INVALID'],
      ['file', settings, [inputForSource({ kind: 'media', path: notMedia, loop: false }, opts), inputs[1]!], 'FFMPEG_SOURCE_INVALID'],
    ];
    for (const [name, encoding, sources, code] of cases) {
      const encoder = makeEncoder({ settings: encoding, inputs: sources });
      encoder.start();
      const error = await encoder.ready.then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error, name).toMatchObject({ code });
      expect((error as Error).message, name).toMatch(/: .*(choose another encoder|check that its colour)/);
    }
  });

  it('restarts a crashed FFmpeg and says why it crashed', async () => {
    const encoder = makeEncoder();
    const tags = collect(encoder);
    const restarted = new Promise<string | undefined>((resolve) => encoder.once('restarted', (_cause, exit) => resolve(exit?.message)));
    encoder.start();
    await until(() => media(tags, 'video').length >= 10);
    process.kill(encoder.pid!, 'SIGKILL');
    const why = await restarted;
    expect(why).toMatch(/killed|stopped by a signal|SIGKILL/i);
    const count = tags.length;
    await until(() => media(tags.slice(count), 'video').length >= 10);
    await encoder.stop();
    expect(isNonDecreasing(media(tags, 'video'))).toBe(true);
  });

  it('ends for good on a failure a restart cannot fix', async () => {
    const encoder = makeEncoder({ inputs: [{ args: ['-f', 'v4l2'], url: '/dev/video99', kind: 'video' }] });
    const ended = new Promise<string>((resolve) => encoder.once('ended', (exit) => resolve(exit.reason)));
    encoder.start();
    expect(await ended).toBe('device-missing');
    await expect(encoder.ready).rejects.toMatchObject({ code: 'FFMPEG_DEVICE_MISSING' });
  });
});
