import { describe, expect, it } from 'vitest';
import { type MediaStatus, mediaPosition } from '../../electron/contract.js';
import { parseDuration } from '../../electron/engine/scenes/context.js';

describe('a media source’s length and position', () => {
  it("reads the length from FFmpeg's listing, none for a still or a live stream", () => {
    expect(parseDuration('  Duration: 00:00:04.00, start: 0.000000, bitrate: 824 kb/s')).toBe(4000);
    expect(parseDuration('  Duration: 01:02:03.456, start: 0.000000')).toBe(3_723_456);
    expect(parseDuration('  Duration: N/A, start: 0.000000, bitrate: N/A')).toBeNull();
  });

  it('is the time since its playback began: wrapped when it loops, held at its end, none while not playing', () => {
    const clip: MediaStatus = { sourceId: 'clip', durationMs: 4000, loop: false, playingSinceMs: 10_000, stopped: false };
    expect(mediaPosition(clip, 11_500)).toBe(1500);
    expect(mediaPosition(clip, 20_000)).toBe(4000);
    expect(mediaPosition({ ...clip, loop: true }, 20_000)).toBe(2000);
    expect(mediaPosition({ ...clip, durationMs: null }, 20_000)).toBe(10_000);
    expect(mediaPosition(clip, 9_000)).toBe(0);
    expect(mediaPosition({ ...clip, playingSinceMs: null }, 20_000)).toBeNull();
  });
});
