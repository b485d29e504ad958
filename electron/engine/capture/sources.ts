import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { UplinkError } from '../errors.js';
import { clockFilters } from './clock.js';
import { filter } from './filtergraph.js';
import { pickVideoFormat, type FrameRateRule } from './formats.js';
import type { CaptureDevice } from './types.js';

/**
 * The sources a user can pick, and the FFmpeg input that opens each one. Building arguments is pure; the
 * process that runs them belongs to the FFmpeg layer.
 */
export type SourceSpec =
  | { kind: 'test-pattern' }
  | { kind: 'tone'; frequency?: number }
  | { kind: 'color'; color: string }
  | { kind: 'image'; path: string }
  | { kind: 'media'; path: string; loop: boolean }
  | { kind: 'device'; device: CaptureDevice }
  | { kind: 'silence' };

import type { FfmpegInput } from '../ffmpeg/argv.js';

export type { FfmpegInput };

export interface InputOptions {
  /** Canvas size and rate: generated sources are made at this size, devices asked for the nearest they offer. */
  width: number;
  height: number;
  fps: number;
  sampleRate: number;
  /** Draw the wall clock on the test pattern; default true. Turn off when probeClockOverlay says no. */
  clock?: boolean;
  /** Font for the clock on builds of FFmpeg without fontconfig. */
  fontFile?: string;
}

export const DEFAULT_TONE_HZ = 440;

/**
 * A live device cannot wait: FFmpeg's default queue of 8 packets between a device's reader thread and the
 * rest fills whenever the encoder is briefly busy, and the device then drops frames.
 */
const LIVE_QUEUE = ['-thread_queue_size', '1024'];

/**
 * Live inputs are stamped by one clock, the wall clock at arrival, so that audio and video from different
 * devices line up; otherwise each demuxer uses its own (DirectShow's graph clock, AVFoundation's host
 * clock, PulseAudio's and ALSA's latency estimates). V4L2 is the exception, below.
 */
const WALLCLOCK = ['-use_wallclock_as_timestamps', '1'];

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.bmp', '.webp', '.tif', '.tiff']);

export function inputForSource(spec: SourceSpec, opts: InputOptions): FfmpegInput {
  const size = `${opts.width}x${opts.height}`;
  switch (spec.kind) {
    case 'test-pattern': {
      // `realtime` paces the generator inside the graph, so the clock is stamped when the frame is due;
      // `-re` would pace the demuxer instead, and recent versions read the first half second at once.
      const chain = [filter('testsrc2', [['size', size], ['rate', opts.fps]]), 'realtime'];
      if (opts.clock ?? true) {
        chain.push(...clockFilters({ width: opts.width, height: opts.height, fps: opts.fps, ...fontFile(opts) }));
      }
      return { args: ['-f', 'lavfi'], url: chain.join(','), kind: 'video' };
    }
    case 'color':
      return {
        args: ['-f', 'lavfi'],
        url: [filter('color', [['color', checkColor(spec.color)], ['size', size], ['rate', opts.fps]]), 'realtime'].join(','),
        kind: 'video',
      };
    case 'tone': {
      const frequency = spec.frequency ?? DEFAULT_TONE_HZ;
      return {
        args: ['-f', 'lavfi'],
        url: [filter('sine', [['frequency', frequency], ['sample_rate', opts.sampleRate]]), 'arealtime'].join(','),
        kind: 'audio',
      };
    }
    case 'silence':
      return {
        args: ['-f', 'lavfi'],
        url: [filter('anullsrc', [['channel_layout', 'stereo'], ['sample_rate', opts.sampleRate]]), 'arealtime'].join(','),
        kind: 'audio',
      };
    case 'image':
      return { args: ['-re', '-loop', '1', '-framerate', String(opts.fps)], url: spec.path, kind: 'video' };
    case 'media':
      return { args: spec.loop ? ['-stream_loop', '-1', '-re'] : ['-re'], url: spec.path, kind: 'video' };
    case 'device':
      return deviceInput(spec.device, opts);
  }
}

function fontFile(opts: InputOptions): { fontFile?: string } {
  return opts.fontFile ? { fontFile: opts.fontFile } : {};
}

/**
 * Every device is stamped with the wall clock, so the encoder can put them on one timeline. Cameras and
 * capture cards open for one process at a time (v4l2, DirectShow, AVFoundation video) and so do ALSA
 * `hw:` devices: an encoder restart closes them before it opens them again. Screens, PulseAudio and
 * AVFoundation/DirectShow audio are shared.
 */
function deviceInput(device: CaptureDevice, opts: InputOptions): FfmpegInput {
  const input = openDevice(device, opts);
  const camera = input.kind === 'video' && device.kind !== 'screen' && ['v4l2', 'dshow', 'avfoundation'].includes(device.api);
  const alsaHardware = device.api === 'alsa' && /^(plug)?hw:/.test(input.url);
  return { ...input, clock: 'wall', ...(camera || alsaHardware ? { exclusive: true } : {}) };
}

function openDevice(device: CaptureDevice, opts: InputOptions): FfmpegInput {
  const kind = device.kind === 'audio' ? 'audio' : 'video';
  const target = deviceTarget(device);
  const audioArgs = ['-sample_rate', String(opts.sampleRate), '-channels', '2'];
  switch (device.api) {
    case 'dshow': {
      // DirectShow fails to open a device asked for a size or rate it does not list, so these are only
      // passed when the listing showed them; otherwise the device's default format is used.
      const args = ['-f', 'dshow', ...LIVE_QUEUE, ...WALLCLOCK, '-rtbufsize', '256M'];
      if (kind === 'video') args.push(...videoFormatArgs(device, opts, 'range', { pixel: '-pixel_format', codec: '-vcodec' }));
      return { args, url: target, kind };
    }
    case 'avfoundation': {
      const args = ['-f', 'avfoundation', ...LIVE_QUEUE, ...WALLCLOCK];
      if (kind === 'audio') return { args, url: target, kind };
      const choice = pickVideoFormat(device.formats, opts, 'upper');
      // Its default rate is 29.97, which most cameras refuse, so a rate is always given.
      args.push('-framerate', formatRate(choice?.fps ?? opts.fps));
      args.push('-pixel_format', choice?.format.pixelFormat ?? 'nv12');
      if (choice) args.push('-video_size', `${choice.format.width}x${choice.format.height}`);
      if (device.kind === 'screen') args.push('-capture_cursor', '1');
      return { args, url: target, kind };
    }
    case 'v4l2': {
      // V4L2 timestamps come from the kernel at capture; `-ts abs` keeps them on the wall clock.
      const args = ['-f', 'v4l2', ...LIVE_QUEUE, '-ts', 'abs'];
      const choice = pickVideoFormat(device.formats, opts);
      const inputFormat = choice?.format.codec ?? choice?.format.pixelFormat;
      if (choice && inputFormat) {
        args.push('-input_format', inputFormat, '-video_size', `${choice.format.width}x${choice.format.height}`);
      }
      // A driver adjusts a rate it cannot do to the nearest one it can, so the rate is always given.
      args.push('-framerate', formatRate(choice?.fps ?? opts.fps));
      return { args, url: target, kind };
    }
    case 'pulse':
      return { args: ['-f', 'pulse', ...LIVE_QUEUE, ...WALLCLOCK, ...audioArgs], url: target, kind };
    case 'alsa':
      return { args: ['-f', 'alsa', ...LIVE_QUEUE, ...WALLCLOCK, ...audioArgs], url: target, kind };
    case 'x11grab': {
      const args = ['-f', 'x11grab', ...LIVE_QUEUE, ...WALLCLOCK, '-framerate', formatRate(opts.fps)];
      // The whole screen: the scene scales it. Without a size x11grab also takes the whole screen.
      const screen = device.formats?.[0];
      if (screen) args.push('-video_size', `${screen.width}x${screen.height}`);
      args.push('-draw_mouse', '1');
      return { args, url: target, kind };
    }
    case 'gdigrab':
      return {
        args: ['-f', 'gdigrab', ...LIVE_QUEUE, ...WALLCLOCK, '-framerate', formatRate(opts.fps), '-draw_mouse', '1'],
        url: target,
        kind,
      };
  }
}

function videoFormatArgs(
  device: CaptureDevice,
  opts: InputOptions,
  rule: FrameRateRule,
  flags: { pixel: string; codec: string },
): string[] {
  const choice = pickVideoFormat(device.formats, opts, rule);
  if (!choice) return [];
  const args: string[] = [];
  if (choice.format.codec) args.push(flags.codec, choice.format.codec);
  else if (choice.format.pixelFormat) args.push(flags.pixel, choice.format.pixelFormat);
  args.push('-video_size', `${choice.format.width}x${choice.format.height}`, '-framerate', formatRate(choice.fps));
  return args;
}

/** Rates as FFmpeg takes them: integers plain, others with the listing's precision (30.000030). */
function formatRate(fps: number): string {
  return Number.isInteger(fps) ? String(fps) : String(Number(fps.toFixed(6)));
}

/** What follows `-i` for a device: its id without the api prefix. */
export function deviceTarget(device: CaptureDevice): string {
  const rest = device.id.slice(device.api.length + 1);
  if (device.api !== 'avfoundation') return rest;
  // 'avfoundation:video:1' -> '1' (video only), 'avfoundation:audio:0' -> ':0' (audio only).
  const [section, index] = rest.split(':');
  return section === 'audio' ? `:${index ?? ''}` : (index ?? '');
}

const COLOR = /^(?:#|0x)?[0-9a-zA-Z]+(?:@(?:0(?:\.\d+)?|1(?:\.0+)?))?$/;

function checkColor(color: string): string {
  if (!COLOR.test(color)) {
    throw new UplinkError(
      'SOURCE_BAD_COLOR',
      `"${color}" is not a color: use a name like red, or a hex value like #1e90ff (add @0.5 for transparency).`,
    );
  }
  return color;
}

/** Sources made by FFmpeg itself, as `parseSourceArg` takes them: no device listing is needed for these. */
const BUILT_IN_SOURCE = /^(test|test-pattern|testsrc|tone(:.*)?|silence|color:.*)$/i;

export function isBuiltInSource(arg: string): boolean {
  return BUILT_IN_SOURCE.test(arg.trim());
}

/** The input options for a program encoded with `settings`. */
export function inputOptionsFor(
  settings: { width: number; height: number; fps: number; audioSampleRate: number },
  clock: boolean,
): InputOptions {
  return { width: settings.width, height: settings.height, fps: settings.fps, sampleRate: settings.audioSampleRate, clock };
}

const DEVICE_APIS = ['dshow', 'avfoundation', 'v4l2', 'pulse', 'alsa', 'x11grab', 'gdigrab'];

/**
 * A source named on the command line: `test` (the test pattern), `tone` or `tone:880`, `silence`,
 * `color:red`, a device id or unambiguous device name from `uplink devices`, or the path of an image or
 * media file. Media files loop.
 */
export function parseSourceArg(
  arg: string,
  devices: readonly CaptureDevice[],
  fileExists: (path: string) => boolean = existsSync,
): SourceSpec {
  const value = arg.trim();
  const lower = value.toLowerCase();
  if (lower === 'test' || lower === 'test-pattern' || lower === 'testsrc') return { kind: 'test-pattern' };
  if (lower === 'silence') return { kind: 'silence' };
  if (lower === 'tone') return { kind: 'tone' };
  if (lower.startsWith('tone:')) {
    const frequency = Number(value.slice('tone:'.length));
    if (!Number.isFinite(frequency) || frequency <= 0 || frequency > 24_000) {
      throw new UplinkError('SOURCE_BAD_TONE', `"${value}" is not a tone: give a frequency in Hz, e.g. tone:440.`);
    }
    return { kind: 'tone', frequency };
  }
  if (lower.startsWith('color:')) return { kind: 'color', color: checkColor(value.slice('color:'.length)) };

  const byId = devices.find((d) => d.id === value);
  if (byId) return { kind: 'device', device: byId };
  const byName = devices.filter((d) => d.name === value);
  if (byName.length === 1 && byName[0]) return { kind: 'device', device: byName[0] };
  if (byName.length > 1) {
    throw new UplinkError(
      'SOURCE_AMBIGUOUS',
      `${byName.length} devices are named "${value}": pick one by id (${byName.map((d) => d.id).join(', ')}).`,
    );
  }

  if (fileExists(value)) {
    return IMAGE_EXTENSIONS.has(extname(value).toLowerCase())
      ? { kind: 'image', path: value }
      : { kind: 'media', path: value, loop: true };
  }

  const api = /^([a-z0-9]+):/.exec(value)?.[1];
  if (api && DEVICE_APIS.includes(api)) {
    throw new UplinkError(
      'DEVICE_NOT_FOUND',
      `No device "${value}" on this computer: run \`uplink devices\` to see the ones it has, and check that it is plugged in.`,
    );
  }
  throw new UplinkError(
    'SOURCE_UNKNOWN',
    `Unknown source "${value}": use test, tone, tone:<Hz>, silence, color:<name or #hex>, a device id from ` +
      '`uplink devices`, or the path of an image or media file.',
  );
}
