/**
 * The encoding profile: one validated object that the argv builder and the encoder probe read. Input
 * comes from settings files, the CLI and the web remote, so `validateEncoding` checks types at run time
 * too and names the offending setting and its allowed range in the error.
 */
import {
  ENCODING_LIMITS,
  type EncodingPatch,
  type EncodingSettings,
  type FieldLabel,
  H264_ENCODER_NAMES,
  H264_PROFILES,
  type H264EncoderName,
  type H264Profile,
  check,
  encodingPatchSchema,
} from '../../contract-schema.js';
import { InvalidInputError } from '../input-error.js';

export { ENCODING_LIMITS, H264_ENCODER_NAMES, H264_PROFILES };
export type { EncodingSettings, H264EncoderName, H264Profile };

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

export type EncodingSettingsInput = EncodingPatch;

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

function invalid(field: string, message: string): InvalidInputError {
  return new InvalidInputError('INVALID_SETTING', field, message);
}

/**
 * Fills defaults and checks every field. Unknown keys are rejected so that a typo ("fsp") is reported
 * instead of silently streaming at the default.
 */
export function validateEncoding(input: unknown = {}, label: FieldLabel = (field) => field): EncodingSettings {
  const parsed = check(encodingPatchSchema(label), input);
  if (!parsed.ok) throw invalid(parsed.problem.field, parsed.problem.message);
  const given = parsed.value;
  const value = <K extends keyof EncodingSettings>(key: K): EncodingSettings[K] => (given[key] === undefined ? DEFAULT_ENCODING[key] : given[key]) as EncodingSettings[K];

  const encoder = value('encoder');
  const info = H264_ENCODERS[encoder];
  let preset: string | null;
  if (given.preset === undefined) {
    preset = info.defaultPreset;
  } else if (info.presets.length === 0) {
    if (given.preset !== null) throw invalid('preset', `${label('preset')} must be left unset for ${encoder}, which has no presets (got '${given.preset}')`);
    preset = null;
  } else if (given.preset === null || !info.presets.includes(given.preset)) {
    throw invalid('preset', `${label('preset')} for ${encoder} must be one of ${info.presets.join(', ')} (got ${given.preset === null ? 'null' : `'${given.preset}'`})`);
  } else {
    preset = given.preset;
  }

  const profile = value('profile');
  // Baseline has no B-frames: default them off rather than making every baseline user set two fields.
  const bFrames = given.bFrames === undefined && profile === 'baseline' ? 0 : value('bFrames');
  if (profile === 'baseline' && bFrames !== 0) throw invalid('bFrames', `${label('bFrames')} must be 0 with the baseline profile (got ${bFrames})`);

  return {
    width: value('width'),
    height: value('height'),
    fps: value('fps'),
    videoBitrateKbps: value('videoBitrateKbps'),
    keyframeIntervalSec: value('keyframeIntervalSec'),
    encoder,
    preset,
    profile,
    bFrames,
    audioBitrateKbps: value('audioBitrateKbps'),
    audioSampleRate: value('audioSampleRate'),
    audioChannels: value('audioChannels'),
  };
}

/**
 * The settings after a change from a front. Fields left out keep their values, except those that only
 * meant something for what the change replaced: a new encoder gets its own default preset unless one
 * is given (x264's 'veryfast' means nothing to NVENC), and a change to baseline turns B-frames off unless
 * they are given (baseline has none), as does leaving baseline bring back the default.
 */
export function applyEncodingPatch(current: EncodingSettings, patch: EncodingPatch, label?: FieldLabel): EncodingSettings {
  const next: EncodingPatch = { ...current, ...patch };
  if (patch.encoder !== undefined && patch.encoder !== current.encoder && patch.preset === undefined) delete next.preset;
  if (patch.profile !== undefined && patch.profile !== current.profile && patch.bFrames === undefined) delete next.bFrames;
  return validateEncoding(next, label);
}

/** Frames between keyframes; services ask for a keyframe every N seconds, the encoders count frames. */
export function gopFrames(settings: Pick<EncodingSettings, 'fps' | 'keyframeIntervalSec'>): number {
  return Math.max(1, Math.round(settings.fps * settings.keyframeIntervalSec));
}
