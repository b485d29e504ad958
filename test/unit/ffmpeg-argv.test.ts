import { describe, expect, it } from 'vitest';
import { UplinkError } from '../../electron/engine/errors.js';
import {
  ArgvBuilder,
  buildEncodeArgs,
  formatCommandLine,
  globalArgs,
  videoEncoderArgs,
  videoOutputChain,
  type FfmpegInput,
} from '../../electron/engine/ffmpeg/argv.js';
import { registerSecret } from '../../electron/engine/log.js';
import { validateEncoding, type H264EncoderName } from '../../electron/engine/settings/encoding.js';

const camera: FfmpegInput = {
  args: ['-f', 'v4l2', '-framerate', '30', '-video_size', '1280x720'],
  url: '/dev/video0',
  kind: 'video',
};
const mic: FfmpegInput = { args: ['-f', 'pulse'], url: 'default', kind: 'audio' };
const FFMPEG_51 = { ffmpegVersion: { major: 5, minor: 1 } };

/** The value after the first occurrence of `option`. */
function valueOf(argv: readonly string[], option: string): string | undefined {
  const index = argv.indexOf(option);
  return index < 0 ? undefined : argv[index + 1];
}

describe('ArgvBuilder', () => {
  it('builds arrays and skips null optionals', () => {
    const argv = new ArgvBuilder().flag('-y').option('-r', 30).optional('-preset', null).option('-i', 'a b').toArray();
    expect(argv).toEqual(['-y', '-r', '30', '-i', 'a b']);
  });

  it('refuses values that would reach FFmpeg as garbage', () => {
    expect(() => new ArgvBuilder().option('-r', Number.NaN)).toThrow(TypeError);
    expect(() => new ArgvBuilder().option('-i', 'a\0b')).toThrow(TypeError);
  });
});

describe('buildEncodeArgs (golden)', () => {
  it('camera + microphone with x264 defaults on FFmpeg 5.1', () => {
    expect(buildEncodeArgs(validateEncoding(), [camera, mic], {}, FFMPEG_51)).toEqual([
      '-hide_banner',
      '-y',
      '-loglevel', 'level+info',
      '-stats_period', '1',
      '-f', 'v4l2', '-framerate', '30', '-video_size', '1280x720', '-thread_queue_size', '512', '-i', '/dev/video0',
      '-f', 'pulse', '-thread_queue_size', '512', '-i', 'default',
      '-filter_complex',
      '[0:v]scale=1280:720:force_original_aspect_ratio=decrease,pad=1280:720:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=30,format=yuv420p[vout];[1:a]aresample=async=1:first_pts=0[aout]',
      '-map', '[vout]',
      '-map', '[aout]',
      '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'high', '-bf', '2',
      '-b:v', '2500k', '-maxrate', '2500k', '-bufsize', '2500k',
      '-g', '60', '-keyint_min', '60', '-sc_threshold', '0', '-x264-params', 'nal-hrd=cbr:sync-lookahead=0',
      '-pix_fmt', 'yuv420p', '-r', '30',
      '-c:a', 'aac', '-b:a', '160k', '-ar', '48000', '-ac', '2',
      '-f', 'flv', '-flvflags', 'no_duration_filesize', 'pipe:1',
    ]);
  });

  const hardware: Record<Exclude<H264EncoderName, 'libx264'>, string[]> = {
    h264_nvenc: [
      '-c:v', 'h264_nvenc', '-preset', 'p4', '-tune', 'll', '-rc', 'cbr', '-profile:v', 'high', '-bf', '2',
      '-b:v', '2500k', '-maxrate', '2500k', '-bufsize', '2500k', '-g', '60',
      '-force_key_frames', 'expr:gte(t,n_forced*2)', '-forced-idr', '1', '-pix_fmt', 'yuv420p', '-r', '30',
    ],
    h264_qsv: [
      '-c:v', 'h264_qsv', '-preset', 'veryfast', '-look_ahead', '0', '-profile:v', 'high', '-bf', '2',
      '-b:v', '2500k', '-maxrate', '2500k', '-bufsize', '2500k', '-g', '60',
      '-force_key_frames', 'expr:gte(t,n_forced*2)', '-pix_fmt', 'nv12', '-r', '30',
    ],
    h264_amf: [
      '-c:v', 'h264_amf', '-usage', 'lowlatency', '-rc', 'cbr', '-quality', 'balanced', '-profile:v', 'high', '-bf', '2',
      '-b:v', '2500k', '-maxrate', '2500k', '-bufsize', '2500k', '-g', '60',
      '-force_key_frames', 'expr:gte(t,n_forced*2)', '-pix_fmt', 'nv12', '-r', '30',
    ],
    h264_videotoolbox: [
      '-c:v', 'h264_videotoolbox', '-realtime', '1', '-profile:v', 'high', '-bf', '2',
      '-b:v', '2500k', '-maxrate', '2500k', '-bufsize', '2500k', '-g', '60',
      '-force_key_frames', 'expr:gte(t,n_forced*2)', '-pix_fmt', 'yuv420p', '-r', '30',
    ],
    h264_vaapi: [
      '-c:v', 'h264_vaapi', '-rc_mode', 'CBR', '-profile:v', 'high', '-bf', '2',
      '-b:v', '2500k', '-maxrate', '2500k', '-bufsize', '2500k', '-g', '60',
      '-force_key_frames', 'expr:gte(t,n_forced*2)', '-r', '30',
    ],
  };

  it.each(Object.entries(hardware))('%s video options: low-latency CBR, keyframes forced by time', (encoder, expected) => {
    const settings = validateEncoding({ encoder: encoder as H264EncoderName });
    expect(videoEncoderArgs(settings)).toEqual(expected);
    // The same options appear, in one piece, inside the full command.
    const argv = buildEncodeArgs(settings, [camera, mic], {}, FFMPEG_51);
    const start = argv.indexOf('-c:v');
    expect(argv.slice(start, start + expected.length)).toEqual(expected);
  });

  it('VA-API: opens the render node globally and uploads NV12 frames at the end of the chain', () => {
    const settings = validateEncoding({ encoder: 'h264_vaapi' });
    const argv = buildEncodeArgs(settings, [camera], {}, { vaapiDevice: '/dev/dri/renderD129' });
    expect(argv.slice(0, 6)).toEqual(['-hide_banner', '-y', '-loglevel', 'level+info', '-vaapi_device', '/dev/dri/renderD129']);
    expect(valueOf(argv, '-filter_complex')).toMatch(/,format=nv12,hwupload\[vout\];/);
    expect(argv).not.toContain('-pix_fmt');
    expect(globalArgs(settings)).toContain('/dev/dri/renderD128');
  });
});

describe('buildEncodeArgs (structure)', () => {
  const settings = validateEncoding({ width: 640, height: 360, fps: 25, videoBitrateKbps: 800, keyframeIntervalSec: 4 });

  it('never closes stdin: runtime commands and q are written to it', () => {
    expect(buildEncodeArgs(settings, [camera, mic])).not.toContain('-nostdin');
  });

  it('uses -stats_period only from FFmpeg 5.0', () => {
    expect(buildEncodeArgs(settings, [camera, mic], {}, { ffmpegVersion: { major: 4, minor: 4 } })).not.toContain('-stats_period');
    expect(buildEncodeArgs(settings, [camera, mic])).not.toContain('-stats_period');
    expect(buildEncodeArgs(settings, [camera, mic], {}, { ffmpegVersion: { major: 7, minor: 1 } })).toContain('-stats_period');
  });

  it('derives GOP, rate and size from the settings', () => {
    const argv = buildEncodeArgs(settings, [camera, mic]);
    expect(valueOf(argv, '-g')).toBe('100');
    expect(valueOf(argv, '-keyint_min')).toBe('100');
    expect(valueOf(argv, '-b:v')).toBe('800k');
    expect(valueOf(argv, '-maxrate')).toBe('800k');
    expect(valueOf(argv, '-r')).toBe('25');
    expect(valueOf(argv, '-filter_complex')).toContain('scale=640:360:force_original_aspect_ratio=decrease,pad=640:360:');
  });

  it('gives every input a thread queue, placed before its -i', () => {
    const argv = buildEncodeArgs(settings, [camera, mic]);
    const inputs = argv.flatMap((arg, i) => (arg === '-i' ? [i] : []));
    expect(inputs).toHaveLength(2);
    for (const i of inputs) expect(argv.slice(i - 2, i)).toEqual(['-thread_queue_size', '512']);
  });

  it('mixes several audio inputs and picks the first video input', () => {
    const second: FfmpegInput = { args: ['-f', 'alsa'], url: 'hw:1', kind: 'audio' };
    const argv = buildEncodeArgs(settings, [mic, camera, second]);
    const graph = valueOf(argv, '-filter_complex') ?? '';
    expect(graph.startsWith('[1:v]scale=')).toBe(true);
    expect(graph).toContain(';[0:a][2:a]amix=inputs=2:duration=longest:dropout_transition=0[aout]');
    expect(argv.filter((_, i) => argv[i - 1] === '-map')).toEqual(['[vout]', '[aout]']);
  });

  it('adds a silent track when there is no audio input, matching the audio settings', () => {
    const mono = validateEncoding({ audioChannels: 1, audioSampleRate: 44100 });
    const argv = buildEncodeArgs(mono, [camera]);
    expect(argv).toContain('anullsrc=channel_layout=mono:sample_rate=44100');
    expect(argv.filter((_, i) => argv[i - 1] === '-map')).toEqual(['[vout]', '[aout]']);
  });

  it('refuses to build a stream without a picture', () => {
    expect(() => buildEncodeArgs(settings, [mic])).toThrow(UplinkError);
  });

  it('accepts a scene graph and extra outputs after the FLV', () => {
    const argv = buildEncodeArgs(
      settings,
      [camera, mic],
      { extra: [{ args: ['-map', '[preview]', '-f', 'rawvideo', '-pix_fmt', 'rgba'], url: 'pipe:3' }] },
      { graph: { filter: '[0:v]split[scene][p];[p]scale=160:90[preview]', video: 'scene', audio: 'mixed' } },
    );
    expect(valueOf(argv, '-filter_complex')).toBe(
      `[0:v]split[scene][p];[p]scale=160:90[preview];[scene]${videoOutputChain(settings)}[vout]`,
    );
    expect(argv.filter((_, i) => argv[i - 1] === '-map')).toEqual(['[vout]', '[mixed]', '[preview]']);
    expect(argv.slice(-9)).toEqual(['no_duration_filesize', 'pipe:1', '-map', '[preview]', '-f', 'rawvideo', '-pix_fmt', 'rgba', 'pipe:3']);
  });

  it('can write somewhere else and stop after a duration', () => {
    const argv = buildEncodeArgs(settings, [camera, mic], { primary: '/tmp/out.flv' }, { durationSec: 1 });
    expect(argv.at(-1)).toBe('/tmp/out.flv');
    expect(valueOf(argv, '-t')).toBe('1');
  });

  it('maps baseline to the names AMF and VA-API know, and turns B-frames off', () => {
    const amf = videoEncoderArgs(validateEncoding({ encoder: 'h264_amf', profile: 'baseline' }));
    expect(valueOf(amf, '-profile:v')).toBe('constrained_baseline');
    expect(valueOf(amf, '-bf')).toBe('0');
    expect(valueOf(videoEncoderArgs(validateEncoding({ encoder: 'h264_nvenc', profile: 'baseline' })), '-profile:v')).toBe('baseline');
  });
});

describe('buildEncodeArgs: wall-clock inputs on one timeline', () => {
  it('puts every wall-clock input at its time since the origin, and leaves the others alone', () => {
    const wallCamera: FfmpegInput = { ...camera, clock: 'wall' };
    const wallMic: FfmpegInput = { ...mic, clock: 'wall' };
    const argv = buildEncodeArgs(validateEncoding(), [wallCamera, wallMic], {}, { ...FFMPEG_51, clockOriginMs: 1_700_000_000_123 });
    const alignment = ['-seek_timestamp', '1', '-itsoffset', '-1700000000.123'];
    expect(argv.join(' ')).toContain(['-thread_queue_size', '512', ...alignment, '-i', '/dev/video0'].join(' '));
    expect(argv.join(' ')).toContain(['-thread_queue_size', '512', ...alignment, '-i', 'default'].join(' '));
    // Without an origin, or for inputs with their own clock, nothing is added.
    expect(buildEncodeArgs(validateEncoding(), [wallCamera, wallMic], {}, FFMPEG_51)).not.toContain('-itsoffset');
    expect(buildEncodeArgs(validateEncoding(), [camera, mic], {}, { ...FFMPEG_51, clockOriginMs: 1 })).not.toContain('-itsoffset');
  });
});

describe('formatCommandLine', () => {
  it('quotes for people and redacts registered stream keys', () => {
    registerSecret('live_123456_abcdefSECRET');
    const line = formatCommandLine('/usr/bin/ffmpeg', ['-i', 'video=HD Pro Webcam', 'rtmp://a/app/live_123456_abcdefSECRET']);
    expect(line).toBe("/usr/bin/ffmpeg -i 'video=HD Pro Webcam' rtmp://a/app/<redacted>");
  });
});
