import { describe, expect, it } from 'vitest';
import { AudioQueue, FrameAssembler, captureArgs, feedRetryDelay, frameBytes, isNetworkUrl, type FeedSpec } from '../../electron/engine/scenes/feed.js';

const base: Omit<FeedSpec, 'input'> = { sourceId: 's1', name: 'Camera', ffmpegPath: 'ffmpeg', onEnd: 'hold' };

describe('captureArgs', () => {
  it('a device with picture and sound: raw picture on stdout, raw sound on fd 3, either optional', () => {
    const args = captureArgs({
      ...base,
      input: { args: ['-f', 'v4l2', '-thread_queue_size', '1024'], url: '/dev/video0', kind: 'video' },
      video: { width: 1280, height: 720, fps: 30 },
      audio: { sampleRate: 48000, channels: 2 },
    });
    expect(args).toEqual([
      '-hide_banner', '-nostats', '-loglevel', 'level+info',
      '-f', 'v4l2', '-thread_queue_size', '1024', '-i', '/dev/video0',
      '-map', '0:v:0?', '-vf', 'scale=1280:720:force_original_aspect_ratio=decrease,pad=1280:720:-1:-1,fps=30,format=yuv420p', '-f', 'rawvideo', 'pipe:1',
      '-map', '0:a:0?', '-af', 'aresample=async=1', '-ar', '48000', '-ac', '2', '-f', 's16le', 'pipe:3',
    ]);
  });

  it('a media file is read at its own speed; a network feed and a lavfi source are not', () => {
    const file = captureArgs({ ...base, input: { args: [], url: '/clips/intro.mp4', kind: 'video' }, video: { width: 64, height: 36, fps: 30000 / 1001 } });
    expect(file.slice(4, 9)).toEqual(['-re', '-thread_queue_size', '512', '-i', '/clips/intro.mp4']);
    expect(file).toContain('scale=64:36:force_original_aspect_ratio=decrease,pad=64:36:-1:-1,fps=30000/1001,format=yuv420p');
    expect(file).toContain('0:v:0');
    const already = captureArgs({ ...base, input: { args: ['-stream_loop', '-1', '-re'], url: 'a.mkv', kind: 'video' }, video: { width: 64, height: 36, fps: 30 } });
    expect(already.filter((arg) => arg === '-re')).toHaveLength(1);
    const looped = captureArgs({ ...base, onEnd: 'loop', input: { args: [], url: 'a.mkv', kind: 'video' }, video: { width: 64, height: 36, fps: 30 } });
    expect(looped.slice(4, 8)).toEqual(['-stream_loop', '-1', '-re', '-thread_queue_size']);
    const network = captureArgs({ ...base, input: { args: [], url: 'srt://phone:9000', kind: 'video' }, video: { width: 64, height: 36, fps: 30 } });
    expect(network).not.toContain('-re');
    const tone = captureArgs({ ...base, input: { args: ['-f', 'lavfi'], url: 'sine', kind: 'audio' }, audio: { sampleRate: 48000, channels: 1 } });
    expect(tone).not.toContain('-re');
    expect(tone.slice(-11)).toEqual(['-map', '0:a:0', '-af', 'aresample=async=1', '-ar', '48000', '-ac', '1', '-f', 's16le', 'pipe:3']);
  });

  it('refuses a feed with nothing to deliver or an impossible size', () => {
    expect(() => captureArgs({ ...base, input: { args: [], url: 'x', kind: 'video' } })).toThrow(RangeError);
    expect(() => captureArgs({ ...base, input: { args: [], url: 'x', kind: 'video' }, video: { width: 0, height: 36, fps: 30 } })).toThrow(RangeError);
  });
});

describe('helpers', () => {
  it('frame sizes, network URLs, backoff', () => {
    expect(frameBytes(1280, 720)).toBe(1280 * 720 * 1.5);
    expect(frameBytes(3, 3)).toBe(9 + 2 * 4);
    expect(isNetworkUrl('rtmp://host/app')).toBe(true);
    expect(isNetworkUrl('file:///a.mp4')).toBe(false);
    expect(isNetworkUrl('C:\\clips\\a.mp4')).toBe(false);
    expect(isNetworkUrl('video=USB Camera')).toBe(false);
    expect([0, 1, 2, 3, 4, 10].map(feedRetryDelay)).toEqual([1000, 2000, 4000, 8000, 10000, 10000]);
  });
});

describe('FrameAssembler', () => {
  it('cuts chunks that straddle frames into whole frames, newest wins', () => {
    const frames = new FrameAssembler(4);
    expect(frames.latest()).toBeUndefined();
    expect(frames.push(Buffer.from([1, 1, 1]))).toBe(0);
    expect(frames.push(Buffer.from([1, 2, 2, 2, 2, 3]))).toBe(2);
    expect([...(frames.latest() ?? [])]).toEqual([2, 2, 2, 2]);
    expect(frames.push(Buffer.from([3, 3, 3]))).toBe(1);
    expect([...(frames.latest() ?? [])]).toEqual([3, 3, 3, 3]);
    expect(frames.frames).toBe(3);
  });

  it('never overwrites a frame it handed out; reuses one nobody took', () => {
    const frames = new FrameAssembler(2);
    frames.push(Buffer.from([1, 1]));
    const lent = frames.latest();
    frames.push(Buffer.from([2, 2, 3, 3, 4, 4, 5, 5]));
    expect([...(lent ?? [])]).toEqual([1, 1]);
    expect([...(frames.latest() ?? [])]).toEqual([5, 5]);
  });

  it('a restart drops the half frame', () => {
    const frames = new FrameAssembler(2);
    frames.push(Buffer.from([9]));
    frames.discardPartial();
    frames.push(Buffer.from([1, 1]));
    expect([...(frames.latest() ?? [])]).toEqual([1, 1]);
  });
});

describe('AudioQueue', () => {
  const stereo = (samples: number[]): Buffer => Buffer.from(samples.flatMap((v) => [v, 0, v, 0]));

  it('gives exactly what is asked, silence until primed and when starved', () => {
    const queue = new AudioQueue(4, 400, 8, 1000);
    queue.push(stereo([1]));
    expect(queue.take(8)).toEqual(Buffer.alloc(8)); // not primed: 1 frame < 2
    queue.push(stereo([2, 3]));
    expect(queue.take(8)).toEqual(stereo([1, 2]));
    // Starved: what there is, then silence; then it waits to be primed again.
    expect(queue.take(8)).toEqual(Buffer.concat([stereo([3]), Buffer.alloc(4)]));
    queue.push(stereo([4]));
    expect(queue.take(4)).toEqual(Buffer.alloc(4));
    queue.push(stereo([5]));
    expect(queue.take(4)).toEqual(stereo([4]));
    expect(() => queue.take(6)).toThrow(RangeError);
  });

  it('drops sound older than max beyond what is taken, in whole sample frames', () => {
    const queue = new AudioQueue(4, 8, 0, 1000);
    queue.push(stereo([1, 2, 3, 4, 5, 6]));
    expect(queue.take(4)).toEqual(stereo([4])); // keeps 2 frames after the one taken
    expect(queue.length).toBe(8);
  });

  it('keeps alignment when a chunk ends inside a sample frame, and drops the half after a restart', () => {
    const queue = new AudioQueue(4, 1000, 0, 1000);
    const bytes = stereo([1, 2, 3]);
    queue.push(bytes.subarray(0, 6));
    expect(queue.take(4)).toEqual(stereo([1]));
    queue.push(bytes.subarray(6, 10));
    expect(queue.take(4)).toEqual(stereo([2]));
    queue.discardPartial(); // half of sample 3 is left
    expect(queue.length).toBe(0);
    queue.push(stereo([7]));
    expect(queue.take(4)).toEqual(stereo([7]));
  });

  it('is bounded when nobody takes', () => {
    const queue = new AudioQueue(4, 40, 0, 40);
    for (let i = 0; i < 100; i++) queue.push(stereo([i]));
    expect(queue.length).toBe(80);
  });
});
