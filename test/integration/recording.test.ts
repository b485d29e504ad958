import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, createReadStream, existsSync, mkdirSync, openSync, readFileSync, readSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { UplinkError } from '../../electron/engine/errors.js';
import { locateFfmpeg } from '../../electron/engine/ffmpeg/locate.js';
import { StreamHeaderCache, isVideoKeyframe } from '../../electron/engine/flv/headers.js';
import { paceByTimestamps } from '../../electron/engine/flv/pace.js';
import { readFlvTags, type FlvTag } from '../../electron/engine/flv/reader.js';
import { Recorder, remuxToMp4, type RecordingFormat, type RecordingResult } from '../../electron/engine/outputs/recording.js';
import { makeFlvFixture, tmpDir } from '../helpers/fixtures.js';
import { packetsOf, probeFile, type ProbeResult } from '../helpers/probe.js';
import type { RecorderChildConfig } from '../helpers/recorder-child.js';
import { isRunning } from '../helpers/wait.js';

let ffmpegPath: string;
let fixture: string;
let fixtureTags: FlvTag[];
let fixtureProbe: ProbeResult;
// Per process: a parallel run of this file must not delete this one's files.
const dir = tmpDir(`recording-${process.pid}`);
const recorders: Recorder[] = [];
const children: ChildProcess[] = [];
const strayPids: number[] = [];
let fileCounter = 0;

beforeAll(async () => {
  ffmpegPath = (await locateFfmpeg()).path;
  // 6 s, keyframes every 2 s: long enough for a mid-stream start and a 3 s crash.
  fixture = await makeFlvFixture({ seconds: 6 });
  fixtureTags = [];
  for await (const tag of readFlvTags(createReadStream(fixture))) fixtureTags.push({ ...tag, data: Buffer.from(tag.data) });
  fixtureProbe = await probeFile(fixture);
});

afterEach(async () => {
  await Promise.all(recorders.splice(0).map((recorder) => recorder.stop()));
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const pid of strayPids.splice(0)) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function freshFile(ext: string): string {
  const sub = join(dir, 'rec');
  mkdirSync(sub, { recursive: true });
  fileCounter += 1;
  return join(sub, `take-${fileCounter}.${ext}`);
}

function newRecorder(format: RecordingFormat = 'mkv', extra: { maxQueueBytes?: number; ffmpegPath?: string; file?: string } = {}): Recorder {
  const recorder = new Recorder({
    ffmpegPath: extra.ffmpegPath ?? ffmpegPath,
    file: extra.file ?? freshFile(format === 'mkv' ? 'mkv' : 'mp4'),
    format,
    headers: new StreamHeaderCache(),
    ...(extra.maxQueueBytes === undefined ? {} : { maxQueueBytes: extra.maxQueueBytes }),
  });
  recorders.push(recorder);
  return recorder;
}


function codecs(probe: ProbeResult): string[] {
  return probe.streams.map((stream) => `${stream.codecType}:${stream.codecName}`).sort();
}

/** Milliseconds of video in a probed file, from the first picture to the last. */
function videoSpanMs(probe: ProbeResult): number {
  const pts = packetsOf(probe, 'video').map((packet) => packet.ptsMs);
  return pts.length === 0 ? 0 : Math.max(...pts) - Math.min(...pts);
}

describe('Recorder with the real FFmpeg', () => {
  it.each(['mkv', 'fmp4'] as const)('records a stream fed tag by tag to %s without re-encoding', async (format) => {
    const recorder = newRecorder(format);
    const stopped = new Promise<RecordingResult>((resolve) => recorder.once('stopped', resolve));
    await recorder.start();
    for (const tag of fixtureTags) recorder.push(tag);
    const result = await recorder.stop();
    expect(await stopped).toEqual(result);
    expect(result.error).toBeUndefined();

    const probe = await probeFile(result.file);
    expect(probe.format).toContain(format === 'mkv' ? 'matroska' : 'mp4');
    expect(codecs(probe)).toEqual(['audio:aac', 'video:h264']);
    const video = packetsOf(probe, 'video');
    expect(video.length).toBe(packetsOf(fixtureProbe, 'video').length);
    expect(packetsOf(probe, 'audio').length).toBe(packetsOf(fixtureProbe, 'audio').length);
    expect(video[0]?.key).toBe(true);
    // Stream copy: the pictures are the very same bytes.
    expect(video.map((packet) => packet.size)).toEqual(packetsOf(fixtureProbe, 'video').map((packet) => packet.size));
    expect(result.bytes).toBeGreaterThan(100_000);
    // Progress while recording follows the file closely: the media is copied, only containers differ.
    expect(recorder.bytesWritten / result.bytes).toBeGreaterThan(0.9);
    expect(recorder.bytesWritten / result.bytes).toBeLessThan(1.1);
    expect(result.durationSec).toBeGreaterThan(5.5);
  });

  it('started mid-stream, begins at the next keyframe with time starting at 0', async () => {
    // The broadcast's cache, filled while the stream runs before the recording starts.
    const headers = new StreamHeaderCache();
    // A colon in the name, which FFmpeg would take for a protocol without the file: prefix.
    const file = process.platform === 'win32' ? freshFile('mkv') : freshFile('mkv').replace(/take-/, 'take 12:30-');
    const recorder = new Recorder({ ffmpegPath, file, headers });
    recorders.push(recorder);
    let startedAt: number | undefined;
    for (const tag of fixtureTags) {
      headers.update(tag);
      if (startedAt === undefined && tag.timestamp >= 1000) {
        startedAt = tag.timestamp;
        await recorder.start();
      }
      if (startedAt !== undefined) recorder.push(tag);
    }
    const result = await recorder.stop();
    expect(result.file).toBe(file);

    const firstKey = fixtureTags.find((tag) => startedAt !== undefined && tag.timestamp >= startedAt && isVideoKeyframe(tag));
    expect(firstKey).toBeDefined();
    const expectedFrames = packetsOf(fixtureProbe, 'video').filter((packet) => packet.dtsMs >= (firstKey?.timestamp ?? 0)).length;
    const probe = await probeFile(result.file);
    expect(codecs(probe)).toEqual(['audio:aac', 'video:h264']);
    const video = packetsOf(probe, 'video');
    expect(video.length).toBe(expectedFrames);
    expect(video[0]?.key).toBe(true);
    expect(video[0]?.ptsMs).toBeLessThan(100);
    expect(packetsOf(probe, 'audio')[0]?.ptsMs).toBeLessThan(100);
    expect(result.durationSec).toBeLessThan(5);
  });

  it.each(['mkv', 'fmp4'] as const)('a %s recording whose FFmpeg is killed with SIGKILL still plays up to its last second', async (format) => {
    const recorder = newRecorder(format);
    const errors: UplinkError[] = [];
    recorder.on('error', (err) => errors.push(err));
    const stopped = new Promise<RecordingResult>((resolve) => recorder.once('stopped', resolve));
    await recorder.start();
    let first: number | undefined;
    for await (const tag of paceByTimestamps(toAsync(fixtureTags))) {
      recorder.push(tag);
      first ??= tag.timestamp;
      if (tag.timestamp - first >= 3000) break;
    }
    process.kill(recorder.pid ?? 0, 'SIGKILL');
    // The stream goes on: pushing after the crash neither throws nor blocks.
    for (const tag of fixtureTags.slice(-20)) recorder.push(tag);
    const result = await stopped;
    expect(errors.map((err) => err.code)).toEqual(['RECORDING_FAILED']);
    expect(errors[0]?.message).toContain('SIGKILL');
    expect(result.error?.code).toBe('RECORDING_FAILED');

    const probe = await probeFile(result.file);
    expect(codecs(probe)).toEqual(['audio:aac', 'video:h264']);
    expect(packetsOf(probe, 'video')[0]?.key).toBe(true);
    expect(videoSpanMs(probe)).toBeGreaterThanOrEqual(2000);

    // And a crashed recording remuxes like any other.
    const mp4 = await remuxToMp4({ ffmpegPath, input: result.file });
    expect(packetsOf(await probeFile(mp4), 'video').length).toBe(packetsOf(probe, 'video').length);
  });

  it('a recording whose Node process is killed with SIGKILL still plays', async () => {
    const output = freshFile('mkv');
    const config: RecorderChildConfig = { ffmpegPath, input: fixture, output };
    const script = join(import.meta.dirname, '..', 'helpers', 'recorder-child.ts');
    const child = spawn(process.execPath, ['--experimental-transform-types', '--no-warnings', script, JSON.stringify(config)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    const ffmpegPid = await new Promise<number>((resolve, reject) => {
      let pid: number | undefined;
      let buffered = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) {
          const message = JSON.parse(line) as { event: string; ffmpegPid?: number; mediaMs?: number };
          if (message.event === 'started') {
            pid = message.ffmpegPid;
            if (pid !== undefined) strayPids.push(pid);
          }
          if (message.event === 'fed' && (message.mediaMs ?? 0) >= 3000 && pid !== undefined) {
            child.kill('SIGKILL');
            resolve(pid);
          }
        }
      });
      child.once('exit', (code, signal) => {
        if (signal !== 'SIGKILL') reject(new Error(`the recorder process ended by itself (code ${code}) before it was killed`));
      });
    });
    // Without its parent FFmpeg reads end-of-input, finishes the file and exits.
    await vi.waitFor(() => expect(isRunning(ffmpegPid)).toBe(false), { timeout: 20_000, interval: 100 });

    const probe = await probeFile(output);
    expect(codecs(probe)).toEqual(['audio:aac', 'video:h264']);
    expect(packetsOf(probe, 'video')[0]?.key).toBe(true);
    expect(videoSpanMs(probe)).toBeGreaterThanOrEqual(2000);
  });

  it('remuxes a recording to an MP4 with its index up front and the same frames', async () => {
    const recorder = newRecorder('mkv');
    await recorder.start();
    for (const tag of fixtureTags) recorder.push(tag);
    const { file } = await recorder.stop();

    const mp4 = await remuxToMp4({ ffmpegPath, input: file });
    expect(mp4).toBe(file.replace(/\.mkv$/, '.mp4'));
    const probe = await probeFile(mp4);
    expect(probe.format).toContain('mp4');
    expect(codecs(probe)).toEqual(['audio:aac', 'video:h264']);
    expect(packetsOf(probe, 'video').length).toBe(packetsOf(fixtureProbe, 'video').length);
    expect(packetsOf(probe, 'audio').length).toBe(packetsOf(fixtureProbe, 'audio').length);
    // +faststart: the moov box comes before the media data.
    const head = readHead(mp4, 64 * 1024).toString('latin1');
    expect(head.indexOf('moov')).toBeGreaterThan(0);
    expect(head.indexOf('moov')).toBeLessThan(head.indexOf('mdat'));

    const missing = join(dir, 'missing.mkv');
    await expect(remuxToMp4({ ffmpegPath, input: missing })).rejects.toThrow(`cannot remux ${missing}: No such file or directory.`);
    // A second remux would land on the first MP4: refused, and the first one is untouched.
    const before = readHead(mp4, 64 * 1024);
    await expect(remuxToMp4({ ffmpegPath, input: file })).rejects.toThrow(`${mp4} already exists`);
    expect(readHead(mp4, 64 * 1024).equals(before)).toBe(true);
  });
});

describe('Recorder failures stay with the recording', () => {
  it('a folder that does not exist fails start() with the path and the reason', async () => {
    const file = join(dir, 'no-such-folder', 'take.mkv');
    const recorder = newRecorder('mkv', { file });
    const error = await recorder.start().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(UplinkError);
    expect((error as UplinkError).code).toBe('RECORDING_WRITE_FAILED');
    expect((error as UplinkError).message).toContain(file);
    expect((error as UplinkError).message).toContain('the folder does not exist');
  });

  it('an unwritable folder fails start() with "permission denied"', async () => {
    // Root writes anywhere a permission bit forbids, but not into sysfs.
    const asRoot = process.getuid?.() === 0;
    if (asRoot && process.platform !== 'linux') return;
    let file: string;
    if (asRoot) {
      file = '/sys/uplink-recording-test.mkv';
    } else {
      const locked = join(dir, 'locked');
      mkdirSync(locked, { recursive: true });
      chmodSync(locked, 0o500);
      file = join(locked, 'take.mkv');
    }
    const recorder = newRecorder('mkv', { file });
    await expect(recorder.start()).rejects.toThrow(`cannot write the recording to ${file}: permission denied`);
    expect(existsSync(file)).toBe(false);
  });

  it('stopped before the first keyframe, or while starting, leaves no file behind', async () => {
    const waiting = newRecorder('mkv');
    await waiting.start();
    // Audio and headers only: nothing to start a picture with.
    for (const tag of fixtureTags.filter((candidate) => candidate.kind !== 'video').slice(0, 20)) waiting.push(tag);
    expect(await waiting.stop()).toEqual({ file: waiting.file, bytes: 0, durationSec: 0 });
    expect(existsSync(waiting.file)).toBe(false);

    const starting = newRecorder('mkv');
    const started = starting.start();
    const result = await starting.stop();
    await started;
    expect(result.bytes).toBe(0);
    expect(existsSync(starting.file)).toBe(false);
    expect(starting.pid === undefined || !isRunning(starting.pid)).toBe(true);
  });

  it('a missing FFmpeg fails start() and leaves no file behind', async () => {
    const recorder = newRecorder('mkv', { ffmpegPath: join(dir, 'no-ffmpeg-here') });
    await expect(recorder.start()).rejects.toMatchObject({ code: 'FFMPEG_NOT_STARTED' });
    expect(existsSync(recorder.file)).toBe(false);
  });

  it('an existing file is never overwritten', async () => {
    const file = freshFile('mkv');
    writeFileSync(file, 'an earlier recording');
    await expect(newRecorder('mkv', { file }).start()).rejects.toMatchObject({ code: 'RECORDING_EXISTS' });
    expect(readFileSync(file, 'utf8')).toBe('an earlier recording');
  });

  it('a write error mid-recording (file size limit) ends the recording with a clear error', async () => {
    if (process.platform === 'win32') return;
    // FFmpeg under a 200 KB file size limit, with SIGXFSZ ignored so that writes fail with EFBIG.
    const wrapper = join(dir, 'ffmpeg-limited.sh');
    writeFileSync(wrapper, `#!/bin/sh\ntrap '' XFSZ\nulimit -f 400\nexec '${ffmpegPath}' "$@"\n`, { mode: 0o755 });
    const recorder = newRecorder('mkv', { ffmpegPath: wrapper });
    const errors: UplinkError[] = [];
    recorder.on('error', (err) => errors.push(err));
    const stopped = new Promise<RecordingResult>((resolve) => recorder.once('stopped', resolve));
    await recorder.start();
    for (const tag of fixtureTags) recorder.push(tag);
    const result = await stopped;
    expect(errors).toHaveLength(1);
    expect(errors[0]?.code).toBe('RECORDING_WRITE_FAILED');
    expect(errors[0]?.message).toContain(`cannot write the recording to ${result.file}: the file reached the largest size`);
    // What was written before the limit still plays.
    expect(packetsOf(await probeFile(result.file), 'video').length).toBeGreaterThan(0);
  });

  it('a disk too slow for the queue fails the recording, never the caller', async () => {
    const recorder = newRecorder('mkv', { maxQueueBytes: 100_000 });
    const errors: UplinkError[] = [];
    recorder.on('error', (err) => errors.push(err));
    const stopped = new Promise<RecordingResult>((resolve) => recorder.once('stopped', resolve));
    await recorder.start();
    // Pushed in one synchronous burst: the pipe cannot drain the 6 s file before the loop ends.
    for (const tag of fixtureTags) recorder.push(tag);
    const result = await stopped;
    expect(errors.map((err) => err.code)).toEqual(['RECORDING_TOO_SLOW']);
    expect(errors[0]?.message).toContain(result.file);
    expect(result.error?.code).toBe('RECORDING_TOO_SLOW');
  });
});

async function* toAsync<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

function readHead(file: string, bytes: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const n = readSync(fd, buffer, 0, bytes, 0);
    return buffer.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}
