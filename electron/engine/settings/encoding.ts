/**
 * The encoding profile: one validated object that the argv builder and the encoder probe read. Input
 * comes from settings files, the CLI and the web remote, so `validateEncoding` checks types at run time
 * too and names the offending setting and its allowed range in the error.
 */
import { UplinkError } from '../errors.js';

export const H264_ENCODER_NAMES = [
  'libx264',
  'h264_nvenc',
  'h264_qsv',
  'h264_amf',
  'h264_videotoolbox',
  'h264_vaapi',
] as const;
export type H264EncoderName = (typeof H264_ENCODER_NAMES)[number];

export const H264_PROFILES = ['baseline', 'main', 'high'] as const;
export type H264Profile = (typeof H264_PROFILES)[number];

export interface H264EncoderInfo {
  label: string;
  hardware: boolean;
  /** Values the encoder's speed/quality knob accepts; empty when it has none. */
  presets: readonly string[];
  defaultPreset: string | null;
}

export const H264_ENCODERS: Readonly<Record<H264EncoderName, H264EncoderInfo>> = {
  libx264: {
    label: 'x264 (software)',
    hardware: false,
    presets: ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow'],
    defaultPreset: 'veryfast',
  },
  h264_nvenc: {
    label: 'NVIDIA NVENC',
    hardware: true,
    presets: ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'],
    defaultPreset: 'p4',
  },
  h264_qsv: {
    label: 'Intel Quick Sync',
    hardware: true,
    presets: ['veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow'],
    defaultPreset: 'veryfast',
  },
  // AMF calls its knob "quality"; the argv builder maps the preset onto -quality.
  h264_amf: { label: 'AMD AMF', hardware: true, presets: ['speed', 'balanced', 'quality'], defaultPreset: 'balanced' },
  h264_videotoolbox: { label: 'Apple VideoToolbox', hardware: true, presets: [], defaultPreset: null },
  h264_vaapi: { label: 'VA-API (Linux)', hardware: true, presets: [], defaultPreset: null },
};

export interface EncodingSettings {
  width: number;
  height: number;
  fps: number;
  videoBitrateKbps: number;
  keyframeIntervalSec: number;
  encoder: H264EncoderName;
  /** null for encoders without presets (VideoToolbox, VA-API). */
  preset: string | null;
  profile: H264Profile;
  bFrames: number;
  audioBitrateKbps: number;
  audioSampleRate: 44100 | 48000;
  audioChannels: 1 | 2;
}

export type EncodingSettingsInput = Partial<EncodingSettings>;

export const DEFAULT_ENCODING: Readonly<EncodingSettings> = {
  width: 1280,
  height: 720,
  fps: 30,
  videoBitrateKbps: 2500,
  keyframeIntervalSec: 2,
  encoder: 'libx264',
  preset: 'veryfast',
  profile: 'high',
  bFrames: 2,
  audioBitrateKbps: 160,
  audioSampleRate: 48000,
  audioChannels: 2,
};

/** Inclusive ranges. Sizes are even because 4:2:0 chroma needs even dimensions. */
export const ENCODING_LIMITS = {
  width: { min: 128, max: 7680 },
  height: { min: 72, max: 4320 },
  fps: { min: 1, max: 240 },
  videoBitrateKbps: { min: 100, max: 100_000 },
  keyframeIntervalSec: { min: 1, max: 20 },
  bFrames: { min: 0, max: 4 },
  audioBitrateKbps: { min: 32, max: 320 },
} as const;

const KEYS = Object.keys(DEFAULT_ENCODING) as (keyof EncodingSettings)[];

function invalid(message: string): UplinkError {
  return new UplinkError('INVALID_SETTING', message);
}

function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
    return String(value);
  }
  return typeof value;
}

function numberIn(
  name: string,
  value: unknown,
  range: { min: number; max: number },
  options: { integer?: boolean; even?: boolean } = {},
): number {
  const kind = options.even ? 'an even whole number' : options.integer ? 'a whole number' : 'a number';
  const rule = `${name} must be ${kind} between ${range.min} and ${range.max} (got ${show(value)})`;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(rule);
  if (options.integer && !Number.isInteger(value)) throw invalid(rule);
  if (options.even && (!Number.isInteger(value) || value % 2 !== 0)) throw invalid(rule);
  if (value < range.min || value > range.max) throw invalid(rule);
  return value;
}

function oneOf<T extends string | number>(name: string, value: unknown, allowed: readonly T[]): T {
  if ((allowed as readonly unknown[]).includes(value)) return value as T;
  throw invalid(`${name} must be one of ${allowed.join(', ')} (got ${show(value)})`);
}

/**
 * Fills defaults and checks every field. Unknown keys are rejected so that a typo ("fsp") is reported
 * instead of silently streaming at the default.
 */
export function validateEncoding(input: EncodingSettingsInput = {}): EncodingSettings {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalid(`encoding settings must be an object (got ${show(input)})`);
  }
  for (const key of Object.keys(input)) {
    if (!(KEYS as string[]).includes(key)) {
      throw invalid(`Unknown encoding setting '${key}': the known ones are ${KEYS.join(', ')}`);
    }
  }
  const given = <K extends keyof EncodingSettings>(key: K): unknown =>
    input[key] === undefined ? DEFAULT_ENCODING[key] : input[key];

  const L = ENCODING_LIMITS;
  const width = numberIn('width', given('width'), L.width, { even: true });
  const height = numberIn('height', given('height'), L.height, { even: true });
  const fps = numberIn('fps', given('fps'), L.fps);
  const videoBitrateKbps = numberIn('videoBitrateKbps', given('videoBitrateKbps'), L.videoBitrateKbps, {
    integer: true,
  });
  const keyframeIntervalSec = numberIn('keyframeIntervalSec', given('keyframeIntervalSec'), L.keyframeIntervalSec, {
    integer: true,
  });
  const encoder = oneOf('encoder', given('encoder'), H264_ENCODER_NAMES);
  const info = H264_ENCODERS[encoder];

  let preset: string | null;
  if (input.preset === undefined) {
    preset = info.defaultPreset;
  } else if (info.presets.length === 0) {
    if (input.preset !== null) {
      throw invalid(`preset must be left unset for ${encoder}, which has no presets (got ${show(input.preset)})`);
    }
    preset = null;
  } else {
    preset = oneOf(`preset for ${encoder}`, input.preset, info.presets);
  }

  const profile = oneOf('profile', given('profile'), H264_PROFILES);
  // Baseline has no B-frames: default them off rather than making every baseline user set two fields.
  const bFrames =
    input.bFrames === undefined && profile === 'baseline'
      ? 0
      : numberIn('bFrames', given('bFrames'), L.bFrames, { integer: true });
  if (profile === 'baseline' && bFrames !== 0) {
    throw invalid(`bFrames must be 0 with the baseline profile (got ${bFrames})`);
  }

  const audioBitrateKbps = numberIn('audioBitrateKbps', given('audioBitrateKbps'), L.audioBitrateKbps, {
    integer: true,
  });
  const audioSampleRate = oneOf('audioSampleRate', given('audioSampleRate'), [44100, 48000] as const);
  const audioChannels = oneOf('audioChannels', given('audioChannels'), [1, 2] as const);

  return {
    width,
    height,
    fps,
    videoBitrateKbps,
    keyframeIntervalSec,
    encoder,
    preset,
    profile,
    bFrames,
    audioBitrateKbps,
    audioSampleRate,
    audioChannels,
  };
}

/** Frames between keyframes; services ask for a keyframe every N seconds, the encoders count frames. */
export function gopFrames(settings: Pick<EncodingSettings, 'fps' | 'keyframeIntervalSec'>): number {
  return Math.max(1, Math.round(settings.fps * settings.keyframeIntervalSec));
}
