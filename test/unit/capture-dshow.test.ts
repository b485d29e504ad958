import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDshowDevices, parseDshowOptions } from '../../electron/engine/capture/dshow.js';

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, '../fixtures/devices', name), 'utf8');

const C920_ALT = String.raw`@device_pnp_\\?\usb#vid_046d&pid_082d&mi_00#7&2a3bc6d1&0&0000#{65e8773d-8f56-11d0-a3b9-00a0c9223196}\global`;

describe('parseDshowDevices', () => {
  it('reads FFmpeg 4.x listings by their video and audio headers, skipping the banner', () => {
    const devices = parseDshowDevices(fixture('dshow-list-4.4.txt'));
    expect(devices.map((d) => [d.kind, d.name])).toEqual([
      ['video', 'HD Pro Webcam C920'],
      ['video', 'USB Video Device'],
      ['video', 'USB Video Device'],
      ['video', 'OBS Virtual Camera'],
      ['audio', 'Microphone (HD Pro Webcam C920)'],
      ['audio', 'Microphone Array (Realtek(R) Audio)'],
      ['audio', 'Digital Audio Interface (USB Digital Audio)'],
    ]);
    expect(devices[0]).toEqual({
      id: `dshow:video=${C920_ALT}`,
      name: 'HD Pro Webcam C920',
      kind: 'video',
      api: 'dshow',
      alternativeName: C920_ALT,
    });
  });

  it('gives two devices of the same name distinct ids from their alternative names', () => {
    for (const file of ['dshow-list-4.4.txt', 'dshow-list-5.1.txt']) {
      const twins = parseDshowDevices(fixture(file)).filter((d) => d.name === 'USB Video Device');
      expect(twins).toHaveLength(2);
      expect(twins[0]?.id).not.toBe(twins[1]?.id);
      expect(twins.map((d) => d.id)).toEqual(twins.map((d) => `dshow:video=${d.alternativeName ?? ''}`));
      expect(twins[0]?.alternativeName).toContain('6&1a2b3c4d');
      expect(twins[1]?.alternativeName).toContain('6&3f4e5d6c');
    }
  });

  it('reads FFmpeg 5.x media types, making a device listed as both a video and an audio device', () => {
    const devices = parseDshowDevices(fixture('dshow-list-5.1.txt'));
    const card = devices.filter((d) => d.name === 'AVerMedia HD Capture GC573 1');
    expect(card.map((d) => d.kind)).toEqual(['video', 'audio']);
    expect(card.map((d) => d.id.split('=')[0])).toEqual(['dshow:video', 'dshow:audio']);
    expect(card[0]?.alternativeName).toBe(card[1]?.alternativeName);
  });

  it('files a "(none)" device under the category it is listed in', () => {
    const devices = parseDshowDevices(fixture('dshow-list-5.1.txt'));
    expect(devices.find((d) => d.name === 'OBS Virtual Camera')?.kind).toBe('video');
    expect(devices.find((d) => d.name === 'Stereo Mix (Realtek(R) Audio)')?.kind).toBe('audio');
    expect(devices).toHaveLength(9);
  });

  it('ignores the 6.1+ "Error opening input" trailer and CRLF line ends of 7.x', () => {
    expect(parseDshowDevices(fixture('dshow-list-6.1.txt')).map((d) => `${d.kind}:${d.name}`)).toEqual([
      'video:HD Pro Webcam C920',
      'video:Game Capture HD60 S+',
      'audio:Digital Audio Interface (Game Capture HD60 S+)',
      'audio:Microphone (Yeti Stereo Microphone)',
    ]);
    const seven = parseDshowDevices(fixture('dshow-list-7.1.txt'));
    expect(seven.map((d) => d.name)).toEqual([
      'Integrated Camera',
      'screen-capture-recorder',
      'Microphone Array (Intel® Smart Sound Technology for Digital Microphones)',
      'virtual-audio-capturer',
    ]);
    expect(seven.every((d) => !/\r/.test(d.id) && d.alternativeName?.startsWith('@device_'))).toBe(true);
  });

  it('reads lines logged under the [in#0 @ ...] context of recent builds', () => {
    const devices = parseDshowDevices(fixture('dshow-list-8.0.txt'));
    expect(devices.map((d) => `${d.kind}:${d.name}`)).toEqual([
      'video:screen-capture-recorder',
      'video:HD Pro Webcam C920',
      'audio:virtual-audio-capturer',
    ]);
  });

  it('finds nothing in output that is not a listing', () => {
    expect(parseDshowDevices("Unknown input format: 'dshow'\n")).toEqual([]);
  });
});

describe('parseDshowOptions', () => {
  it('reads the pixel formats and codecs of FFmpeg 4.x, once each', () => {
    const formats = parseDshowOptions(fixture('dshow-options-4.4.txt'));
    expect(formats).toHaveLength(10);
    expect(formats[0]).toEqual({ pixelFormat: 'yuyv422', width: 640, height: 480, fps: [5, 30] });
    expect(formats).toContainEqual({ pixelFormat: 'yuyv422', width: 1920, height: 1080, fps: [5] });
    expect(formats).toContainEqual({ codec: 'h264', width: 1920, height: 1080, fps: [5, 30] });
    expect(formats).toContainEqual({ codec: 'mjpeg', width: 1280, height: 720, fps: [5, 30] });
  });

  it('reads 5.0+ lines with colour information, fractional rates, and skips unknown compressions and audio', () => {
    const formats = parseDshowOptions(fixture('dshow-options-6.1.txt'));
    expect(formats).toEqual([
      { codec: 'mjpeg', width: 1920, height: 1080, fps: [5, 60] },
      { codec: 'mjpeg', width: 1280, height: 720, fps: [5, 60] },
      { pixelFormat: 'yuyv422', width: 1920, height: 1080, fps: [5] },
      { pixelFormat: 'yuyv422', width: 1280, height: 720, fps: [5, 10] },
      { pixelFormat: 'nv12', width: 1920, height: 1080, fps: [29.97, 59.9401] },
      { pixelFormat: 'yuyv422', width: 640, height: 480, fps: [5, 30] },
    ]);
  });
});
