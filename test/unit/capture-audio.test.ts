import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArecordList } from '../../electron/engine/capture/alsa.js';
import { parseFfmpegPulseSources, parsePactlJson, parsePactlText } from '../../electron/engine/capture/pulse.js';

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, '../fixtures/devices', name), 'utf8');

const RECORDED = [
  { id: 'pulse:uplink_test.monitor', name: 'Monitor of Null Output', kind: 'audio', api: 'pulse', monitor: true },
  { id: 'pulse:uplink_mic', name: 'Null Input', kind: 'audio', api: 'pulse', monitor: false },
];

describe('PulseAudio sources', () => {
  it('reads pactl JSON and flags the monitor of a sink', () => {
    expect(parsePactlJson(fixture('pactl-16.1-sources.json'))).toEqual(RECORDED);
  });

  it('says undefined for text that is not pactl JSON, so the text listing is tried next', () => {
    expect(parsePactlJson(fixture('pactl-16.1-sources.txt'))).toBeUndefined();
    expect(parsePactlJson('{"index":0}')).toBeUndefined();
  });

  it('reads the pactl text listing to the same devices as its JSON', () => {
    expect(parsePactlText(fixture('pactl-16.1-sources.txt'))).toEqual(RECORDED);
  });

  it('reads a desktop listing with ports and properties', () => {
    expect(parsePactlText(fixture('pactl-15.0-desktop-sources.txt'))).toEqual([
      {
        id: 'pulse:alsa_output.pci-0000_00_1f.3.analog-stereo.monitor',
        name: 'Monitor of Built-in Audio Analog Stereo',
        kind: 'audio',
        api: 'pulse',
        monitor: true,
      },
      {
        id: 'pulse:alsa_input.pci-0000_00_1f.3.analog-stereo',
        name: 'Built-in Audio Analog Stereo',
        kind: 'audio',
        api: 'pulse',
        monitor: false,
      },
      {
        id: 'pulse:alsa_input.usb-046d_HD_Pro_Webcam_C920_5B2C4F8F-02.analog-stereo',
        name: 'HD Pro Webcam C920 Analog Stereo',
        kind: 'audio',
        api: 'pulse',
        monitor: false,
      },
    ]);
  });

  it('reads `ffmpeg -sources pulse` of 5.x (media types) and 4.x (none)', () => {
    expect(parseFfmpegPulseSources(fixture('ffmpeg-5.1-sources-pulse.txt'))).toEqual(RECORDED);
    const four = parseFfmpegPulseSources(fixture('ffmpeg-4.4-sources-pulse.txt'));
    expect(four.map((d) => [d.id, d.monitor])).toEqual([
      ['pulse:alsa_output.pci-0000_00_1f.3.analog-stereo.monitor', true],
      ['pulse:alsa_input.pci-0000_00_1f.3.analog-stereo', false],
      ['pulse:alsa_input.usb-046d_HD_Pro_Webcam_C920_5B2C4F8F-02.analog-stereo', false],
    ]);
    expect(four[2]?.name).toBe('HD Pro Webcam C920 Analog Stereo');
  });

  it('finds nothing when FFmpeg could not reach the server', () => {
    expect(
      parseFfmpegPulseSources('Auto-detected sources for pulse:\nCannot list sources: Generic error in an external library\n'),
    ).toEqual([]);
  });
});

describe('parseArecordList', () => {
  it('names cards by id through plughw, so the id survives replugging and ALSA converts formats', () => {
    expect(parseArecordList(fixture('arecord-l.txt'))).toEqual([
      { id: 'alsa:plughw:CARD=PCH,DEV=0', name: 'HDA Intel PCH: ALC3246 Analog', kind: 'audio', api: 'alsa' },
      { id: 'alsa:plughw:CARD=C920,DEV=0', name: 'HD Pro Webcam C920: USB Audio', kind: 'audio', api: 'alsa' },
      { id: 'alsa:plughw:CARD=Microphones,DEV=0', name: 'Yeti Stereo Microphone: USB Audio', kind: 'audio', api: 'alsa' },
    ]);
  });

  it('finds nothing on a machine without sound cards', () => {
    expect(parseArecordList('')).toEqual([]);
  });
});
