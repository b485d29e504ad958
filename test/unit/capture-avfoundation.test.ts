import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAvfoundationDevices, parseAvfoundationOpenProblem } from '../../electron/engine/capture/avfoundation.js';

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, '../fixtures/devices', name), 'utf8');

describe('parseAvfoundationDevices', () => {
  it('reads cameras, screens and microphones of FFmpeg 4.x ("AVFoundation input device" context)', () => {
    expect(parseAvfoundationDevices(fixture('avfoundation-list-4.4.txt'))).toEqual([
      { id: 'avfoundation:video:0', name: 'FaceTime HD Camera (Built-in)', kind: 'video', api: 'avfoundation' },
      { id: 'avfoundation:video:1', name: 'Capture screen 0', kind: 'screen', api: 'avfoundation' },
      { id: 'avfoundation:video:2', name: 'Capture screen 1', kind: 'screen', api: 'avfoundation' },
      { id: 'avfoundation:audio:0', name: 'Built-in Microphone', kind: 'audio', api: 'avfoundation' },
      { id: 'avfoundation:audio:1', name: 'BlackHole 2ch', kind: 'audio', api: 'avfoundation' },
    ]);
  });

  it('reads the same listing from 5.1, 6.1 and 7.1 ("AVFoundation indev" context, in#0 trailer)', () => {
    const five = parseAvfoundationDevices(fixture('avfoundation-list-5.1.txt'));
    expect(five.map((d) => `${d.id} ${d.kind} ${d.name}`)).toEqual([
      'avfoundation:video:0 video FaceTime HD Camera',
      'avfoundation:video:1 screen Capture screen 0',
      'avfoundation:audio:0 audio MacBook Pro Microphone',
    ]);
    const six = parseAvfoundationDevices(fixture('avfoundation-list-6.1.txt'));
    expect(six.filter((d) => d.kind === 'video').map((d) => d.name)).toEqual([
      'FaceTime HD Camera',
      'Elgato Cam Link 4K',
      'Jane’s iPhone Camera',
    ]);
    expect(six.filter((d) => d.kind === 'screen').map((d) => d.id)).toEqual(['avfoundation:video:3']);
    // A capture card appears once as a camera and once as a microphone, under different indexes.
    expect(six.filter((d) => d.name === 'Elgato Cam Link 4K').map((d) => d.id)).toEqual([
      'avfoundation:video:1',
      'avfoundation:audio:0',
    ]);
    const seven = parseAvfoundationDevices(fixture('avfoundation-list-7.1.txt'));
    expect(seven.map((d) => d.kind)).toEqual(['video', 'video', 'screen', 'screen', 'audio', 'audio']);
    expect(seven.at(-1)).toEqual({ id: 'avfoundation:audio:1', name: 'MacBook Pro Microphone', kind: 'audio', api: 'avfoundation' });
  });
});

describe('parseAvfoundationOpenProblem', () => {
  it('reads a refused frame rate and the supported modes as formats', () => {
    const problem = parseAvfoundationOpenProblem(fixture('avfoundation-framerate-6.1.txt'));
    expect(problem?.refused).toEqual(['framerate']);
    expect(problem?.modes).toHaveLength(9);
    expect(problem?.modes[0]).toEqual({ width: 1920, height: 1080, fps: [1, 30] });
    expect(problem?.modes).toContainEqual({ width: 640, height: 480, fps: [60.00024] });
    expect(problem?.modes).toContainEqual({ width: 640, height: 480, fps: [30.00003] });
    expect(problem?.pixelFormats).toEqual([]);
  });

  it('reads a refused pixel format, the supported ones and the one FFmpeg fell back to', () => {
    const problem = parseAvfoundationOpenProblem(fixture('avfoundation-pixfmt-7.1.txt'));
    expect(problem).toEqual({
      refused: ['pixel-format'],
      modes: [],
      pixelFormats: ['uyvy422', 'yuyv422', 'nv12', '0rgb', 'bgr0'],
      pixelFormatUsed: 'uyvy422',
    });
  });

  it('reads the 4.x wording without the final period and a refused size', () => {
    const text = [
      '[avfoundation @ 0x7fd53e800000] Selected video size (1234x567) is not supported by the device',
      '[avfoundation @ 0x7fd53e800000] Supported modes:',
      '[avfoundation @ 0x7fd53e800000]   1280x720@[29.970000 29.970000]fps',
      '0: Input/output error',
    ].join('\n');
    expect(parseAvfoundationOpenProblem(text)).toEqual({
      refused: ['video-size'],
      modes: [{ width: 1280, height: 720, fps: [29.97] }],
      pixelFormats: [],
    });
  });

  it('says nothing when the camera opened', () => {
    expect(parseAvfoundationOpenProblem("Input #0, avfoundation, from '0':\n")).toBeUndefined();
  });
});
