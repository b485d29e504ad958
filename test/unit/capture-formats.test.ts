import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDshowOptions } from '../../electron/engine/capture/dshow.js';
import { parseAvfoundationOpenProblem } from '../../electron/engine/capture/avfoundation.js';
import { nearestFrameRate, pickVideoFormat, supportsFrameRate } from '../../electron/engine/capture/formats.js';
import { parseVideoStreamLine } from '../../electron/engine/capture/screens.js';
import { parseV4l2Formats } from '../../electron/engine/capture/v4l2.js';

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, '../fixtures/devices', name), 'utf8');

describe('frame-rate rules', () => {
  it('takes any rate inside a DirectShow range and only the upper end of an AVFoundation one', () => {
    const range = { width: 1280, height: 720, fps: [1, 30] };
    expect(supportsFrameRate(range, 29.97)).toBe(true);
    expect(supportsFrameRate(range, 29.97, 'upper')).toBe(false);
    expect(supportsFrameRate(range, 30, 'upper')).toBe(true);
    expect(supportsFrameRate({ width: 640, height: 480, fps: [30.00003] }, 30, 'upper')).toBe(true);
    expect(nearestFrameRate(range, 29.97, 'upper')).toBe(30);
    expect(nearestFrameRate({ width: 1280, height: 720, fps: [5, 10] }, 30)).toBe(10);
    expect(nearestFrameRate({ width: 1280, height: 720 }, 30)).toBe(30);
  });
});

describe('pickVideoFormat', () => {
  it('picks MJPEG at 720p30 on a webcam whose raw 720p only does 10 fps', () => {
    const formats = parseDshowOptions(fixture('dshow-options-4.4.txt'));
    expect(pickVideoFormat(formats, { width: 1280, height: 720, fps: 30 })).toEqual({
      format: { codec: 'mjpeg', width: 1280, height: 720, fps: [5, 30] },
      fps: 30,
    });
    // At 640x480 the raw format does 30 fps and is listed first: no decoding needed.
    expect(pickVideoFormat(formats, { width: 640, height: 480, fps: 30 })?.format.pixelFormat).toBe('yuyv422');
  });

  it('falls back to the nearest rate when no format of the size takes the wanted one', () => {
    const formats = parseDshowOptions(fixture('dshow-options-6.1.txt'));
    expect(pickVideoFormat(formats, { width: 1920, height: 1080, fps: 120 })).toEqual({
      format: { codec: 'mjpeg', width: 1920, height: 1080, fps: [5, 60] },
      fps: 60,
    });
  });

  it('takes the smallest larger size when the wanted one is not offered, else the largest', () => {
    const formats = parseV4l2Formats(fixture('v4l2-formats-emulated-5.1.txt'));
    expect(pickVideoFormat(formats, { width: 960, height: 540, fps: 30 })?.format).toEqual({ codec: 'mjpeg', width: 1280, height: 720 });
    expect(pickVideoFormat(formats, { width: 1920, height: 1080, fps: 30 })?.format).toEqual({ codec: 'mjpeg', width: 1280, height: 720 });
  });

  it('prefers MJPEG when the listing gives no rates (V4L2)', () => {
    const formats = parseV4l2Formats(fixture('v4l2-formats-c920-4.4.txt'));
    expect(pickVideoFormat(formats, { width: 1280, height: 720, fps: 30 })).toEqual({
      format: { codec: 'mjpeg', width: 1280, height: 720 },
      fps: 30,
    });
  });

  it('picks an AVFoundation mode whose upper rate matches, else the nearest upper rate', () => {
    const modes = parseAvfoundationOpenProblem(fixture('avfoundation-framerate-6.1.txt'))?.modes;
    expect(pickVideoFormat(modes, { width: 640, height: 480, fps: 60 }, 'upper')?.fps).toBe(60);
    expect(pickVideoFormat(modes, { width: 640, height: 480, fps: 30 }, 'upper')).toEqual({
      format: { width: 640, height: 480, fps: [1, 30] },
      fps: 30,
    });
    expect(pickVideoFormat(modes, { width: 1280, height: 720, fps: 29.97 }, 'upper')?.fps).toBe(30);
  });

  it('has nothing to pick from an empty listing', () => {
    expect(pickVideoFormat([], { width: 1280, height: 720, fps: 30 })).toBeUndefined();
    expect(pickVideoFormat(undefined, { width: 1280, height: 720, fps: 30 })).toBeUndefined();
  });
});

describe('parseVideoStreamLine', () => {
  it('reads the size and pixel format of a recorded x11grab probe', () => {
    expect(parseVideoStreamLine(fixture('x11grab-probe-5.1.txt'))).toEqual({ pixelFormat: 'bgr0', width: 640, height: 480 });
  });

  it('sees past parenthesised details with commas', () => {
    const line = '  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(tv, bt709, progressive), 1920x1080 [SAR 1:1 DAR 16:9], 30 fps';
    expect(parseVideoStreamLine(line)).toEqual({ pixelFormat: 'yuv420p', width: 1920, height: 1080 });
  });

  it('finds nothing when the display could not be opened', () => {
    expect(parseVideoStreamLine('[x11grab @ 0x55e8e4ff0880] Cannot open display :77, error 1.\n:77: Input/output error\n')).toBeUndefined();
  });
});
