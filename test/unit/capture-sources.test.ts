import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAvfoundationDevices, parseAvfoundationOpenProblem } from '../../electron/engine/capture/avfoundation.js';
import { CLOCK_TEXT, clockFilters } from '../../electron/engine/capture/clock.js';
import { parseDshowDevices, parseDshowOptions } from '../../electron/engine/capture/dshow.js';
import { escapeGraphArgs, escapeOptionValue, filter } from '../../electron/engine/capture/filtergraph.js';
import { deviceTarget, inputForSource, parseSourceArg, type InputOptions } from '../../electron/engine/capture/sources.js';
import type { CaptureDevice } from '../../electron/engine/capture/types.js';
import { parseV4l2Formats } from '../../electron/engine/capture/v4l2.js';
import { UplinkError } from '../../electron/engine/errors.js';

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, '../fixtures/devices', name), 'utf8');

const OPTS: InputOptions = { width: 1280, height: 720, fps: 30, sampleRate: 48000 };
const LIVE = ['-thread_queue_size', '1024'];
const WALLCLOCK = ['-use_wallclock_as_timestamps', '1'];

const dshow = parseDshowDevices(fixture('dshow-list-5.1.txt'));
const mac = parseAvfoundationDevices(fixture('avfoundation-list-5.1.txt'));
const webcam: CaptureDevice = {
  id: 'v4l2:/dev/video0',
  name: 'HD Pro Webcam C920',
  kind: 'video',
  api: 'v4l2',
  formats: parseV4l2Formats(fixture('v4l2-formats-c920-4.4.txt')),
};
const monitor: CaptureDevice = { id: 'pulse:uplink_test.monitor', name: 'Monitor of Null Output', kind: 'audio', api: 'pulse', monitor: true };
const screen: CaptureDevice = { id: 'x11grab::99.0', name: 'Screen :99.0', kind: 'screen', api: 'x11grab', formats: [{ width: 640, height: 480 }] };

function find(devices: CaptureDevice[], name: string, kind?: string): CaptureDevice {
  const device = devices.find((d) => d.name === name && (kind === undefined || d.kind === kind));
  if (!device) throw new Error(`no ${name}`);
  return device;
}

describe('filter graph escaping', () => {
  it('escapes option separators, then graph separators', () => {
    expect(escapeOptionValue(String.raw`C:\Fonts\a'b.ttf`)).toBe(String.raw`C\:\\Fonts\\a\'b.ttf`);
    expect(escapeGraphArgs('a,b;c[d]')).toBe(String.raw`a\,b\;c\[d\]`);
    expect(filter('color', [['c', 'red'], ['s', '64x64']])).toBe('color=c=red:s=64x64');
    expect(filter('drawtext', [['text', 'a:b,c']])).toBe(String.raw`drawtext=text=a\\:b\,c`);
  });
});

describe('inputForSource: generated sources', () => {
  it('makes a moving test pattern paced in real time with the wall clock drawn on it', () => {
    const input = inputForSource({ kind: 'test-pattern' }, OPTS);
    expect(input.args).toEqual(['-f', 'lavfi']);
    expect(input.kind).toBe('video');
    expect(input.url).toBe(
      [
        'testsrc2=size=1280x720:rate=30',
        'realtime',
        'settb=1/1000',
        'setpts=RTCTIME/1000',
        String.raw`drawtext=text=%{pts\\:localtime\\:0\\:%H\\\\\\:%M\\\\\\:%S}.%{eif\\:mod(t*1000\,1000)\\:d\\:3}` +
          ':fontsize=60:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=15:x=(w-tw)/2:y=h-th-h/12',
        'settb=1/30',
        'setpts=N',
      ].join(','),
    );
  });

  it('draws no clock when asked not to, and names a font file when given one', () => {
    expect(inputForSource({ kind: 'test-pattern' }, { ...OPTS, clock: false }).url).toBe('testsrc2=size=1280x720:rate=30,realtime');
    const withFont = clockFilters({ width: 640, height: 360, fps: 25, fontFile: String.raw`C:\Windows\Fonts\arial.ttf` });
    expect(withFont[2]).toMatch(/^drawtext=fontfile=C\\\\:\\\\\\\\Windows\\\\\\\\Fonts\\\\\\\\arial\.ttf:text=/);
    expect(withFont[3]).toBe('settb=1/25');
    expect(CLOCK_TEXT).toContain(String.raw`%H\:%M\:%S`);
  });

  it('makes a tone, silence and a color at the canvas format', () => {
    expect(inputForSource({ kind: 'tone' }, OPTS)).toEqual({
      args: ['-f', 'lavfi'],
      url: 'sine=frequency=440:sample_rate=48000,arealtime',
      kind: 'audio',
    });
    expect(inputForSource({ kind: 'tone', frequency: 1000 }, { ...OPTS, sampleRate: 44100 }).url).toBe(
      'sine=frequency=1000:sample_rate=44100,arealtime',
    );
    expect(inputForSource({ kind: 'silence' }, OPTS)).toEqual({
      args: ['-f', 'lavfi'],
      url: 'anullsrc=channel_layout=stereo:sample_rate=48000,arealtime',
      kind: 'audio',
    });
    expect(inputForSource({ kind: 'color', color: '#1e90ff@0.5' }, OPTS)).toEqual({
      args: ['-f', 'lavfi'],
      url: 'color=color=#1e90ff@0.5:size=1280x720:rate=30,realtime',
      kind: 'video',
    });
  });

  it('refuses a color that would inject filter syntax', () => {
    expect(() => inputForSource({ kind: 'color', color: 'red,drawbox' }, OPTS)).toThrow(UplinkError);
  });

  it('loops an image at the canvas rate and a media file forever, both in real time', () => {
    expect(inputForSource({ kind: 'image', path: '/img/logo.png' }, OPTS)).toEqual({
      args: ['-re', '-loop', '1', '-framerate', '30'],
      url: '/img/logo.png',
      kind: 'video',
    });
    expect(inputForSource({ kind: 'media', path: '/v/intro.mp4', loop: true }, OPTS)).toEqual({
      args: ['-stream_loop', '-1', '-re'],
      url: '/v/intro.mp4',
      kind: 'video',
    });
    expect(inputForSource({ kind: 'media', path: '/v/intro.mp4', loop: false }, OPTS).args).toEqual(['-re']);
  });
});

describe('inputForSource: devices', () => {
  it('opens a DirectShow camera by its alternative name, at its default format when formats are unknown', () => {
    const c920 = find(dshow, 'HD Pro Webcam C920');
    expect(inputForSource({ kind: 'device', device: c920 }, OPTS)).toEqual({
      args: ['-f', 'dshow', ...LIVE, ...WALLCLOCK, '-rtbufsize', '256M'],
      url: `video=${c920.alternativeName ?? ''}`,
      kind: 'video',
      clock: 'wall',
      exclusive: true,
    });
  });

  it('asks a DirectShow camera for a listed format and rate when its formats are known', () => {
    const c920 = { ...find(dshow, 'HD Pro Webcam C920'), formats: parseDshowOptions(fixture('dshow-options-4.4.txt')) };
    expect(inputForSource({ kind: 'device', device: c920 }, OPTS).args).toEqual([
      '-f', 'dshow', ...LIVE, ...WALLCLOCK, '-rtbufsize', '256M',
      '-vcodec', 'mjpeg', '-video_size', '1280x720', '-framerate', '30',
    ]);
    expect(inputForSource({ kind: 'device', device: c920 }, { ...OPTS, width: 640, height: 480 }).args.slice(-6)).toEqual([
      '-pixel_format', 'yuyv422', '-video_size', '640x480', '-framerate', '30',
    ]);
  });

  it('opens the audio side of a DirectShow capture card as audio', () => {
    const card = find(dshow, 'AVerMedia HD Capture GC573 1', 'audio');
    const input = inputForSource({ kind: 'device', device: card }, OPTS);
    expect(input.kind).toBe('audio');
    expect(input.url).toBe(`audio=${card.alternativeName ?? ''}`);
    expect(input.args).toEqual(['-f', 'dshow', ...LIVE, ...WALLCLOCK, '-rtbufsize', '256M']);
  });

  it('opens AVFoundation cameras with a rate they take, screens with the cursor, microphones by index', () => {
    const camera = find(mac, 'FaceTime HD Camera');
    expect(inputForSource({ kind: 'device', device: camera }, OPTS)).toEqual({
      args: ['-f', 'avfoundation', ...LIVE, ...WALLCLOCK, '-framerate', '30', '-pixel_format', 'nv12'],
      url: '0',
      kind: 'video',
      clock: 'wall',
      exclusive: true,
    });
    const modes = parseAvfoundationOpenProblem(fixture('avfoundation-framerate-6.1.txt'))?.modes ?? [];
    const known = { ...camera, formats: modes };
    expect(inputForSource({ kind: 'device', device: known }, { ...OPTS, fps: 29.97 }).args).toEqual([
      '-f', 'avfoundation', ...LIVE, ...WALLCLOCK, '-framerate', '30', '-pixel_format', 'nv12', '-video_size', '1280x720',
    ]);
    expect(inputForSource({ kind: 'device', device: known }, { ...OPTS, width: 640, height: 480, fps: 60 }).args).toContain('60');
    // 50 is no mode's upper rate: the nearest one is asked for, with the listing's own digits.
    expect(inputForSource({ kind: 'device', device: known }, { ...OPTS, width: 640, height: 480, fps: 50 }).args).toContain('60.00024');
    expect(inputForSource({ kind: 'device', device: find(mac, 'Capture screen 0') }, OPTS)).toEqual({
      args: ['-f', 'avfoundation', ...LIVE, ...WALLCLOCK, '-framerate', '30', '-pixel_format', 'nv12', '-capture_cursor', '1'],
      url: '1',
      kind: 'video',
      clock: 'wall',
    });
    expect(inputForSource({ kind: 'device', device: find(mac, 'MacBook Pro Microphone') }, OPTS)).toEqual({
      args: ['-f', 'avfoundation', ...LIVE, ...WALLCLOCK],
      url: ':0',
      kind: 'audio',
      clock: 'wall',
    });
  });

  it('opens a V4L2 camera with the best listed format and kernel timestamps on the wall clock', () => {
    expect(inputForSource({ kind: 'device', device: webcam }, OPTS)).toEqual({
      args: ['-f', 'v4l2', ...LIVE, '-ts', 'abs', '-input_format', 'mjpeg', '-video_size', '1280x720', '-framerate', '30'],
      url: '/dev/video0',
      kind: 'video',
      clock: 'wall',
      exclusive: true,
    });
    const unknown = { ...webcam, formats: undefined };
    expect(inputForSource({ kind: 'device', device: unknown }, OPTS).args).toEqual(['-f', 'v4l2', ...LIVE, '-ts', 'abs', '-framerate', '30']);
  });

  it('opens PulseAudio and ALSA at the canvas sample rate on the wall clock', () => {
    expect(inputForSource({ kind: 'device', device: monitor }, OPTS)).toEqual({
      args: ['-f', 'pulse', ...LIVE, ...WALLCLOCK, '-sample_rate', '48000', '-channels', '2'],
      url: 'uplink_test.monitor',
      kind: 'audio',
      clock: 'wall',
    });
    const alsa: CaptureDevice = { id: 'alsa:plughw:CARD=C920,DEV=0', name: 'C920', kind: 'audio', api: 'alsa' };
    expect(inputForSource({ kind: 'device', device: alsa }, OPTS)).toEqual({
      args: ['-f', 'alsa', ...LIVE, ...WALLCLOCK, '-sample_rate', '48000', '-channels', '2'],
      url: 'plughw:CARD=C920,DEV=0',
      kind: 'audio',
      clock: 'wall',
      exclusive: true,
    });
  });

  it('grabs a whole X11 screen or the Windows desktop at the canvas rate', () => {
    expect(inputForSource({ kind: 'device', device: screen }, OPTS)).toEqual({
      args: ['-f', 'x11grab', ...LIVE, ...WALLCLOCK, '-framerate', '30', '-video_size', '640x480', '-draw_mouse', '1'],
      url: ':99.0',
      kind: 'video',
      clock: 'wall',
    });
    const desktop: CaptureDevice = { id: 'gdigrab:desktop', name: 'Desktop', kind: 'screen', api: 'gdigrab' };
    expect(inputForSource({ kind: 'device', device: desktop }, { ...OPTS, fps: 60 })).toEqual({
      args: ['-f', 'gdigrab', ...LIVE, ...WALLCLOCK, '-framerate', '60', '-draw_mouse', '1'],
      url: 'desktop',
      kind: 'video',
      clock: 'wall',
    });
  });

  it('derives the -i argument from the id', () => {
    expect(deviceTarget(webcam)).toBe('/dev/video0');
    expect(deviceTarget(screen)).toBe(':99.0');
    expect(deviceTarget(find(mac, 'MacBook Pro Microphone'))).toBe(':0');
  });

  it('marks as exclusive what one process at a time can open: cameras, capture cards, ALSA hw: devices', () => {
    const card = find(dshow, 'AVerMedia HD Capture GC573 1', 'audio');
    expect(inputForSource({ kind: 'device', device: card }, OPTS).exclusive).toBeUndefined();
    const hw: CaptureDevice = { id: 'alsa:hw:CARD=C920,DEV=0', name: 'C920', kind: 'audio', api: 'alsa' };
    expect(inputForSource({ kind: 'device', device: hw }, OPTS).exclusive).toBe(true);
    const shared: CaptureDevice = { id: 'alsa:default', name: 'Default', kind: 'audio', api: 'alsa' };
    expect(inputForSource({ kind: 'device', device: shared }, OPTS).exclusive).toBeUndefined();
    expect(inputForSource({ kind: 'test-pattern' }, OPTS)).not.toHaveProperty('exclusive');
    expect(inputForSource({ kind: 'test-pattern' }, OPTS)).not.toHaveProperty('clock');
  });
});

describe('parseSourceArg', () => {
  const devices = [...dshow, webcam, monitor, screen];
  const none = (): boolean => false;

  it('knows the generated sources', () => {
    expect(parseSourceArg('test', devices, none)).toEqual({ kind: 'test-pattern' });
    expect(parseSourceArg('TEST-PATTERN', devices, none)).toEqual({ kind: 'test-pattern' });
    expect(parseSourceArg('tone', devices, none)).toEqual({ kind: 'tone' });
    expect(parseSourceArg('tone:880', devices, none)).toEqual({ kind: 'tone', frequency: 880 });
    expect(parseSourceArg('silence', devices, none)).toEqual({ kind: 'silence' });
    expect(parseSourceArg('color:#ff8800', devices, none)).toEqual({ kind: 'color', color: '#ff8800' });
  });

  it('finds devices by id, and by name when the name is unique', () => {
    expect(parseSourceArg('v4l2:/dev/video0', devices, none)).toEqual({ kind: 'device', device: webcam });
    expect(parseSourceArg('pulse:uplink_test.monitor', devices, none)).toEqual({ kind: 'device', device: monitor });
    expect(parseSourceArg('Monitor of Null Output', devices, none)).toEqual({ kind: 'device', device: monitor });
    const twin = dshow.filter((d) => d.name === 'USB Video Device')[1];
    expect(parseSourceArg(twin?.id ?? '', devices, none)).toEqual({ kind: 'device', device: twin });
  });

  it('asks for an id when two devices share the name', () => {
    expect(() => parseSourceArg('USB Video Device', devices, none)).toThrow(/2 devices are named "USB Video Device": pick one by id/);
  });

  it('takes an existing file as an image or as looping media by its extension', () => {
    const exists = (p: string): boolean => p.startsWith('/media/');
    expect(parseSourceArg('/media/logo.PNG', devices, exists)).toEqual({ kind: 'image', path: '/media/logo.PNG' });
    expect(parseSourceArg('/media/intro.mp4', devices, exists)).toEqual({ kind: 'media', path: '/media/intro.mp4', loop: true });
  });

  it('says what is accepted when it knows nothing by that name', () => {
    let error: unknown;
    try {
      parseSourceArg('webcam', devices, none);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UplinkError);
    expect((error as UplinkError).code).toBe('SOURCE_UNKNOWN');
    expect((error as UplinkError).message).toBe(
      'Unknown source "webcam": use test, tone, tone:<Hz>, silence, color:<name or #hex>, a device id from ' +
        '`uplink devices`, or the path of an image or media file.',
    );
  });

  it('says a device is missing when the id names one this computer does not have', () => {
    expect(() => parseSourceArg('v4l2:/dev/video7', devices, none)).toThrow(
      expect.objectContaining({ code: 'DEVICE_NOT_FOUND', message: expect.stringContaining('run `uplink devices`') }),
    );
  });

  it('refuses a tone without a usable frequency', () => {
    expect(() => parseSourceArg('tone:loud', devices, none)).toThrow(expect.objectContaining({ code: 'SOURCE_BAD_TONE' }));
    expect(() => parseSourceArg('tone:-5', devices, none)).toThrow(UplinkError);
  });
});
