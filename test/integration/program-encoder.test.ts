import { describe, expect, it } from 'vitest';
import { inputForSource } from '../../electron/engine/capture/sources.js';
import { ProgramEncoder } from '../../electron/engine/ffmpeg/program-encoder.js';
import type { FlvTag } from '../../electron/engine/flv/reader.js';
import { validateEncoding } from '../../electron/engine/settings/encoding.js';
import { until } from '../helpers/wait.js';

const settings = validateEncoding({ width: 320, height: 180, fps: 15, videoBitrateKbps: 300, preset: 'ultrafast' });
const opts = { width: 320, height: 180, fps: 15, sampleRate: 48000, clock: false };
const inputs = [inputForSource({ kind: 'test-pattern' }, opts), inputForSource({ kind: 'tone' }, opts)];

function collect(encoder: ProgramEncoder): FlvTag[] {
  const tags: FlvTag[] = [];
  encoder.on('tag', (tag) => tags.push(tag));
  return tags;
}


const videoFrames = (tags: FlvTag[]): FlvTag[] => tags.filter((t) => t.kind === 'video' && !t.video?.sequenceHeader);

describe('the program encoder', () => {
  it('restarts with new settings and keeps timestamps going forward', async () => {
    const encoder = new ProgramEncoder({ ffmpegPath: 'ffmpeg', settings, inputs });
    const tags = collect(encoder);
    encoder.start();
    await until(() => videoFrames(tags).length >= 15);
    await encoder.restart({ ...settings, width: 480, height: 270, videoBitrateKbps: 500 });
    // The old FFmpeg flushed its last frames while it stopped: the new one's tags start here.
    const before = tags.length;
    const lastBefore = Math.max(...tags.map((t) => t.timestamp));
    await until(() => videoFrames(tags.slice(before)).length >= 15);
    await encoder.stop();

    const after = tags.slice(before);
    expect(Math.min(...after.map((t) => t.timestamp))).toBeGreaterThan(lastBefore);
    // Per kind, time never goes back across the restart.
    for (const kind of ['video', 'audio'] as const) {
      const stamps = tags.filter((t) => t.kind === kind).map((t) => t.timestamp);
      expect(stamps.every((ts, i) => i === 0 || ts >= stamps[i - 1]!)).toBe(true);
    }
    // The new FFmpeg starts on a keyframe with its own sequence header (the size changed).
    const firstNewVideo = after.find((t) => t.kind === 'video')!;
    expect(firstNewVideo.video?.sequenceHeader).toBe(true);
    expect(videoFrames(after)[0]!.video?.frameType).toBe('key');
  });

  it('restarts a crashed FFmpeg and says why it crashed', async () => {
    const encoder = new ProgramEncoder({ ffmpegPath: 'ffmpeg', settings, inputs });
    const tags = collect(encoder);
    const restarted = new Promise<string | undefined>((resolve) => encoder.once('restarted', (_cause, exit) => resolve(exit?.message)));
    encoder.start();
    await until(() => videoFrames(tags).length >= 10);
    process.kill(encoder.pid!, 'SIGKILL');
    const why = await restarted;
    expect(why).toMatch(/killed|stopped by a signal|SIGKILL/i);
    const count = tags.length;
    await until(() => videoFrames(tags.slice(count)).length >= 10);
    await encoder.stop();
  });

  it('ends for good on a failure a restart cannot fix', async () => {
    const encoder = new ProgramEncoder({ ffmpegPath: 'ffmpeg', settings, inputs: [{ args: ['-f', 'v4l2'], url: '/dev/video99', kind: 'video' }] });
    const ended = new Promise<string>((resolve) => encoder.once('ended', (exit) => resolve(exit.reason)));
    encoder.start();
    expect(await ended).toBe('device-missing');
  });
});
