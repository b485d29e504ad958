import { describe, expect, it } from 'vitest';
import { UplinkError } from '../../electron/engine/errors.js';
import { thrown } from '../helpers/wait.js';
import { InvalidInputError } from '../../electron/engine/input-error.js';
import {
  DEFAULT_ENCODING,
  applyEncodingPatch,
  gopFrames,
  validateEncoding,
  type EncodingSettingsInput,
} from '../../electron/engine/settings/encoding.js';

function failure(input: unknown): UplinkError {
  try {
    validateEncoding(input as EncodingSettingsInput);
  } catch (err) {
    if (err instanceof UplinkError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

describe('validateEncoding', () => {
  it('fills every default: 1280x720, 30 fps, 2500 kbit/s, x264 veryfast high, keyframe every 2 s', () => {
    expect(validateEncoding()).toEqual({
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
    });
    expect(validateEncoding({})).toEqual(DEFAULT_ENCODING);
  });

  it('keeps given values and validates the result', () => {
    const settings = validateEncoding({ width: 1920, height: 1080, fps: 60, videoBitrateKbps: 6000, preset: 'faster' });
    expect(settings).toMatchObject({ width: 1920, height: 1080, fps: 60, videoBitrateKbps: 6000, preset: 'faster' });
  });

  it('names the setting, the allowed range and the bad value', () => {
    const err = failure({ fps: 0 });
    expect(err.code).toBe('INVALID_SETTING');
    expect(err.message).toBe('fps must be a number between 1 and 240 (got 0)');
    expect(failure({ fps: 241 }).message).toContain('(got 241)');
    expect(failure({ videoBitrateKbps: 50 }).message).toBe(
      'videoBitrateKbps must be a whole number between 100 and 100000 (got 50)',
    );
    expect(failure({ keyframeIntervalSec: 0 }).message).toContain('keyframeIntervalSec must be');
    expect(failure({ audioBitrateKbps: 500 }).message).toContain('audioBitrateKbps must be');
  });

  it('requires even sizes, since 4:2:0 video cannot have odd dimensions', () => {
    expect(failure({ width: 1281 }).message).toBe('width must be an even whole number between 128 and 7680 (got 1281)');
    expect(failure({ height: 64 }).message).toContain('height must be');
    expect(validateEncoding({ width: 160, height: 90 })).toMatchObject({ width: 160, height: 90 });
  });

  it('rejects wrong types from JSON, such as a string number', () => {
    expect(failure({ fps: '30' }).message).toBe("fps must be a number between 1 and 240 (got '30')");
    expect(failure({ width: null }).message).toContain('(got null)');
    expect(failure({ fps: Number.NaN }).message).toContain('fps must be');
    expect(failure('1080p').message).toContain('must be an object');
  });

  it('accepts fractional frame rates such as 29.97', () => {
    expect(validateEncoding({ fps: 29.97 }).fps).toBe(29.97);
  });

  it('rejects unknown keys so that typos do not stream at the default', () => {
    expect(failure({ fsp: 60 }).message).toContain("Unknown encoding setting 'fsp'");
  });

  it('checks encoder, profile and enumerated audio settings', () => {
    expect(failure({ encoder: 'h265_nvenc' }).message).toBe(
      "encoder must be one of libx264, h264_nvenc, h264_qsv, h264_amf, h264_videotoolbox, h264_vaapi (got 'h265_nvenc')",
    );
    expect(failure({ profile: 'high10' }).message).toBe("profile must be one of baseline, main, high (got 'high10')");
    expect(failure({ audioSampleRate: 32000 }).message).toBe('audioSampleRate must be one of 44100, 48000 (got 32000)');
    expect(failure({ audioChannels: 6 }).message).toBe('audioChannels must be one of 1, 2 (got 6)');
  });

  it('picks the preset default of each encoder and checks presets against that encoder', () => {
    expect(validateEncoding({ encoder: 'h264_nvenc' }).preset).toBe('p4');
    expect(validateEncoding({ encoder: 'h264_qsv' }).preset).toBe('veryfast');
    expect(validateEncoding({ encoder: 'h264_amf' }).preset).toBe('balanced');
    expect(validateEncoding({ encoder: 'h264_videotoolbox' }).preset).toBeNull();
    expect(validateEncoding({ encoder: 'h264_vaapi', preset: null }).preset).toBeNull();
    expect(failure({ encoder: 'h264_nvenc', preset: 'veryfast' }).message).toBe(
      "preset for h264_nvenc must be one of p1, p2, p3, p4, p5, p6, p7 (got 'veryfast')",
    );
    expect(failure({ encoder: 'h264_videotoolbox', preset: 'fast' }).message).toContain('has no presets');
  });

  it('turns B-frames off for baseline unless they were asked for, which is an error', () => {
    expect(validateEncoding({ profile: 'baseline' }).bFrames).toBe(0);
    expect(failure({ profile: 'baseline', bFrames: 2 }).message).toBe(
      'bFrames must be 0 with the baseline profile (got 2)',
    );
    expect(failure({ bFrames: 5 }).message).toContain('bFrames must be a whole number between 0 and 4');
  });
});

describe('gopFrames', () => {
  it('is frames per keyframe interval, rounded for fractional rates', () => {
    expect(gopFrames({ fps: 30, keyframeIntervalSec: 2 })).toBe(60);
    expect(gopFrames({ fps: 29.97, keyframeIntervalSec: 2 })).toBe(60);
    expect(gopFrames({ fps: 60, keyframeIntervalSec: 1 })).toBe(60);
  });
});

describe('applyEncodingPatch: a change from a front', () => {
  const current = validateEncoding({ encoder: 'libx264', preset: 'fast', profile: 'high', bFrames: 3 });

  it("gives a new encoder its own default preset: x264's preset means nothing to NVENC", () => {
    expect(applyEncodingPatch(current, { encoder: 'h264_nvenc' })).toMatchObject({ encoder: 'h264_nvenc', preset: 'p4', bFrames: 3 });
    expect(applyEncodingPatch(current, { encoder: 'h264_videotoolbox' }).preset).toBeNull();
    expect(applyEncodingPatch(current, { encoder: 'h264_nvenc', preset: 'p7' }).preset).toBe('p7');
    // The same encoder keeps the preset the streamer chose.
    expect(applyEncodingPatch(current, { encoder: 'libx264', videoBitrateKbps: 4000 }).preset).toBe('fast');
  });

  it('turns B-frames off for baseline and brings the default back when leaving it', () => {
    const baseline = applyEncodingPatch(current, { profile: 'baseline' });
    expect(baseline).toMatchObject({ profile: 'baseline', bFrames: 0 });
    expect(applyEncodingPatch(baseline, { profile: 'main' }).bFrames).toBe(DEFAULT_ENCODING.bFrames);
    expect(() => applyEncodingPatch(current, { profile: 'baseline', bFrames: 2 })).toThrow('bFrames must be 0');
  });

  it('names the field, in the words of the front that asked', () => {
    const err = thrown(() => applyEncodingPatch(current, { videoBitrateKbps: 50 }, (field) => (field === 'videoBitrateKbps' ? '--bitrate' : field)));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err).toMatchObject({ field: 'videoBitrateKbps', message: '--bitrate must be a whole number between 100 and 100000 (got 50)' });
  });
});
