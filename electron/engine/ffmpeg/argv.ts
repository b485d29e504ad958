/**
 * FFmpeg command lines as arrays (never a shell string: device names and paths contain spaces, quotes
 * and brackets), and the one that matters: capture inputs -> H.264 + AAC -> FLV on stdout.
 */
import { UplinkError } from '../errors.js';
import { redact } from '../log.js';
import { gopFrames, type EncodingSettings, type H264EncoderName, type H264Profile } from '../settings/encoding.js';

type OptionName = `-${string}`;

/** A typed list of arguments. Values are checked so that NaN or a stray undefined never reaches FFmpeg. */
export class ArgvBuilder {
  private readonly args: string[] = [];

  flag(name: OptionName): this {
    this.args.push(name);
    return this;
  }

  option(name: OptionName, value: string | number): this {
    this.args.push(name, formatValue(name, value));
    return this;
  }

  /** Adds the option only when `value` is not null/undefined. */
  optional(name: OptionName, value: string | number | null | undefined): this {
    return value === null || value === undefined ? this : this.option(name, value);
  }

  append(args: readonly string[]): this {
    for (const arg of args) this.args.push(formatValue('argument', arg));
    return this;
  }

  toArray(): string[] {
    return [...this.args];
  }
}

function formatValue(name: string, value: string | number): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`${name}: ${value} is not a finite number`);
    return String(value);
  }
  if (value.includes('\0')) throw new TypeError(`${name}: value contains a NUL character`);
  return value;
}

/** A printable, redacted command line for logs. Quoting is for humans; nothing ever runs it in a shell. */
export function formatCommandLine(binary: string, argv: readonly string[]): string {
  const quote = (arg: string): string => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);
  return redact([binary, ...argv].map(quote).join(' '));
}

export interface FfmpegVersionLike {
  major: number;
  minor: number;
}

export interface FfmpegInput {
  /** Format and options that go before -i, e.g. ['-f', 'v4l2', '-framerate', '30']. */
  args: string[];
  url: string;
  kind: 'video' | 'audio';
  /**
   * 'wall': the input's timestamps are the wall clock (-use_wallclock_as_timestamps, v4l2 `-ts abs`),
   * so inputs that start apart can be put on one timeline (see `clockOriginMs`).
   */
  clock?: 'wall';
  /**
   * Only one process at a time can open it (a camera or capture card, an ALSA hw: device): a restart
   * must close it before the next FFmpeg opens it.
   */
  exclusive?: boolean;
}

export interface FfmpegOutput {
  /** Everything before the URL: -map, codec and format options. */
  args: string[];
  url: string;
}

export interface EncodeOutputs {
  /** Where the FLV goes; default 'pipe:1' (our stdout reader). */
  primary?: string;
  /** Side outputs (preview frames, audio levels) written after the main one, e.g. to pipe:3. */
  extra?: readonly FfmpegOutput[];
}

/** A filter graph from the scene compiler that replaces the default "first video input" picture. */
export interface SceneGraph {
  filter: string;
  /** Output label of the composed picture, without brackets. */
  video: string;
  /** Output label of the mixed audio; when absent the audio inputs are used. */
  audio?: string;
}

export interface EncodeOptions {
  /** Decides version-dependent options; assume the oldest supported FFmpeg when unknown. */
  ffmpegVersion?: FfmpegVersionLike;
  /** DRM render node for VA-API. */
  vaapiDevice?: string;
  graph?: SceneGraph;
  /** Stop after this many seconds of output (tests, trials); live streams run until stopped. */
  durationSec?: number;
  /**
   * The wall clock (ms since the epoch) that wall-clock inputs count from: time 0 of the output. Chosen
   * when FFmpeg is launched; without it every input starts at 0 on its own, however far apart they began.
   */
  clockOriginMs?: number;
}

export const DEFAULT_VAAPI_DEVICE = '/dev/dri/renderD128';
const THREAD_QUEUE_SIZE = 512;
const VIDEO_OUT = 'vout';
const AUDIO_OUT = 'aout';

function atLeast(version: FfmpegVersionLike | undefined, major: number, minor = 0): boolean {
  if (!version) return false;
  return version.major > major || (version.major === major && version.minor >= minor);
}

/**
 * Options before the inputs: quiet banner, level tags for the stderr classifier, steady stats, and -y:
 * our outputs are pipes and devices, and with stdin kept open an "Overwrite? [y/N]" prompt for an
 * existing path (a /dev node counts) would hang FFmpeg silently.
 */
export function globalArgs(settings: Pick<EncodingSettings, 'encoder'>, options: EncodeOptions = {}): string[] {
  const argv = new ArgvBuilder().flag('-hide_banner').flag('-y').option('-loglevel', 'level+info');
  // -stats_period exists from 5.0; older builds print stats every 0.5 s, which is fine too.
  if (atLeast(options.ffmpegVersion, 5, 0)) argv.option('-stats_period', 1);
  if (settings.encoder === 'h264_vaapi') argv.option('-vaapi_device', options.vaapiDevice ?? DEFAULT_VAAPI_DEVICE);
  return argv.toArray();
}

/** Pixel format each encoder takes from system memory. QSV and AMF want NV12; VA-API gets NV12 and an
 * upload to GPU memory. */
function encoderPixelFormat(encoder: H264EncoderName): 'yuv420p' | 'nv12' {
  return encoder === 'h264_qsv' || encoder === 'h264_amf' || encoder === 'h264_vaapi' ? 'nv12' : 'yuv420p';
}

/**
 * The chain that turns any picture into the output picture: fit inside the canvas keeping the aspect
 * ratio (letterbox rather than stretch), constant frame rate, the encoder's pixel format.
 */
export function videoOutputChain(settings: EncodingSettings): string {
  const { width: w, height: h } = settings;
  const filters = [
    `scale=${w}:${h}:force_original_aspect_ratio=decrease`,
    `pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2`,
    'setsar=1',
    `fps=${settings.fps}`,
    `format=${encoderPixelFormat(settings.encoder)}`,
  ];
  if (settings.encoder === 'h264_vaapi') filters.push('hwupload');
  return filters.join(',');
}

/** Profile names differ: AMF and VA-API only know the constrained flavour of baseline. */
function profileFor(encoder: H264EncoderName, profile: H264Profile): string {
  if (profile === 'baseline' && (encoder === 'h264_amf' || encoder === 'h264_vaapi')) return 'constrained_baseline';
  return profile;
}

/**
 * Video encoder options: constant bitrate with a one-second buffer (bufsize = bitrate, as OBS does,
 * so bursts never exceed what the uplink was sized for), a keyframe exactly every keyframeIntervalSec
 * (ingest servers cut HLS segments there), and each hardware encoder's low-latency CBR mode.
 */
export function videoEncoderArgs(settings: EncodingSettings): string[] {
  const gop = gopFrames(settings);
  const kbps = `${settings.videoBitrateKbps}k`;
  const argv = new ArgvBuilder().option('-c:v', settings.encoder);

  switch (settings.encoder) {
    case 'libx264':
      // No -tune zerolatency: it turns off lookahead and B-frames and costs far more quality than the
      // fraction of a second it saves against the seconds of latency HLS adds downstream.
      argv.optional('-preset', settings.preset);
      break;
    case 'h264_nvenc':
      argv.optional('-preset', settings.preset).option('-tune', 'll').option('-rc', 'cbr');
      break;
    case 'h264_qsv':
      argv.optional('-preset', settings.preset).option('-look_ahead', 0);
      break;
    case 'h264_amf':
      argv.option('-usage', 'lowlatency').option('-rc', 'cbr').optional('-quality', settings.preset);
      break;
    case 'h264_videotoolbox':
      argv.option('-realtime', 1);
      break;
    case 'h264_vaapi':
      argv.option('-rc_mode', 'CBR');
      break;
  }

  argv
    .option('-profile:v', profileFor(settings.encoder, settings.profile))
    .option('-bf', settings.bFrames)
    .option('-b:v', kbps)
    .option('-maxrate', kbps)
    .option('-bufsize', kbps)
    .option('-g', gop);

  if (settings.encoder === 'libx264') {
    // x264 honours -g exactly once scene-cut keyframes are off; nal-hrd=cbr pads to a true constant rate.
    // sync-lookahead=0 runs the lookahead in step with encoding instead of frames ahead on its own
    // thread: the first keyframe comes about 80 ms sooner, and quality is the same.
    argv.option('-keyint_min', gop).option('-sc_threshold', 0).option('-x264-params', 'nal-hrd=cbr:sync-lookahead=0');
  } else {
    // Hardware encoders treat -g as a maximum; forcing keyframes by time pins them to the interval.
    argv.option('-force_key_frames', `expr:gte(t,n_forced*${settings.keyframeIntervalSec})`);
    if (settings.encoder === 'h264_nvenc') argv.option('-forced-idr', 1);
  }

  if (settings.encoder !== 'h264_vaapi') argv.option('-pix_fmt', encoderPixelFormat(settings.encoder));
  argv.option('-r', settings.fps);
  return argv.toArray();
}

export function audioEncoderArgs(settings: EncodingSettings): string[] {
  return new ArgvBuilder()
    .option('-c:a', 'aac')
    .option('-b:a', `${settings.audioBitrateKbps}k`)
    .option('-ar', settings.audioSampleRate)
    .option('-ac', settings.audioChannels)
    .toArray();
}

/**
 * Puts a wall-clock input on the shared timeline: its time t becomes t - origin. FFmpeg 5.1 (ffmpeg_opt.c,
 * open_input_file) sets an input's offset to `-itsoffset - start`, where `start` is the input's own first
 * timestamp, so a camera and a microphone opened a second apart would each start at 0 and stay a second
 * apart. `-seek_timestamp 1` leaves `start` out of that sum (it only otherwise changes what -ss means,
 * which we never pass), so only `-itsoffset -origin` applies. `-copyts` would do the same for every input
 * at once, but would also keep the raw start of media files (which can be hours) and lavfi sources.
 */
export function wallClockAlignment(originMs: number): string[] {
  return ['-seek_timestamp', '1', '-itsoffset', `-${(originMs / 1000).toFixed(3)}`];
}

/**
 * The full encode: inputs -> one filter graph -> H.264 + AAC -> FLV on stdout, plus side outputs.
 * Without a scene graph the first video input is the picture and the audio inputs are mixed; without
 * any audio input a silent track is added, because ingest servers and players expect one.
 */
export function buildEncodeArgs(
  settings: EncodingSettings,
  inputs: readonly FfmpegInput[],
  outputs: EncodeOutputs = {},
  options: EncodeOptions = {},
): string[] {
  const argv = new ArgvBuilder().append(globalArgs(settings, options));

  const allInputs: FfmpegInput[] = [...inputs];
  const audioIndexes = allInputs.flatMap((input, index) => (input.kind === 'audio' ? [index] : []));
  if (audioIndexes.length === 0 && !options.graph?.audio) {
    allInputs.push({
      args: ['-f', 'lavfi'],
      url: `anullsrc=channel_layout=${settings.audioChannels === 1 ? 'mono' : 'stereo'}:sample_rate=${settings.audioSampleRate}`,
      kind: 'audio',
    });
    audioIndexes.push(allInputs.length - 1);
  }
  for (const input of allInputs) {
    argv.append(input.args);
    if (!input.args.includes('-thread_queue_size')) argv.option('-thread_queue_size', THREAD_QUEUE_SIZE);
    if (input.clock === 'wall' && options.clockOriginMs !== undefined) argv.append(wallClockAlignment(options.clockOriginMs));
    argv.option('-i', input.url);
  }

  const chains: string[] = [];
  if (options.graph) {
    chains.push(options.graph.filter, `[${options.graph.video}]${videoOutputChain(settings)}[${VIDEO_OUT}]`);
  } else {
    const videoIndex = allInputs.findIndex((input) => input.kind === 'video');
    if (videoIndex < 0) {
      throw new UplinkError('NO_VIDEO_SOURCE', 'There is no picture to stream: add a video source to the scene.');
    }
    chains.push(`[${videoIndex}:v]${videoOutputChain(settings)}[${VIDEO_OUT}]`);
  }

  let audioMap: string;
  if (options.graph?.audio) {
    audioMap = `[${options.graph.audio}]`;
  } else if (audioIndexes.length === 1) {
    // A device that starts after the picture (PulseAudio hands over its first samples up to 2 s late)
    // is placed where the wall clock says; silence fills the start, so the track begins with the picture.
    chains.push(`[${audioIndexes[0]}:a]aresample=async=1:first_pts=0[${AUDIO_OUT}]`);
    audioMap = `[${AUDIO_OUT}]`;
  } else {
    const pads = audioIndexes.map((index) => `[${index}:a]`).join('');
    // dropout_transition=0: a source that ends must not make the others swell for two seconds.
    chains.push(`${pads}amix=inputs=${audioIndexes.length}:duration=longest:dropout_transition=0[${AUDIO_OUT}]`);
    audioMap = `[${AUDIO_OUT}]`;
  }

  argv
    .option('-filter_complex', chains.join(';'))
    .option('-map', `[${VIDEO_OUT}]`)
    .option('-map', audioMap)
    .append(videoEncoderArgs(settings))
    .append(audioEncoderArgs(settings))
    .optional('-t', options.durationSec)
    // A live FLV has no duration or size to seek back and patch; the flag stops FFmpeg trying on a pipe.
    .option('-f', 'flv')
    .option('-flvflags', 'no_duration_filesize')
    .append([outputs.primary ?? 'pipe:1']);

  for (const output of outputs.extra ?? []) argv.append(output.args).append([output.url]);
  return argv.toArray();
}
