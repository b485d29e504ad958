/**
 * Compares encoding settings with what a service accepts. The result is warnings, not errors: services
 * change their limits more often than apps ship, and a streamer may know better, so the UI shows them
 * next to the setting and still lets the stream start.
 */
import type { EncodingSettings } from '../settings/encoding.js';
import type { ServicePreset } from './presets.js';

export interface SettingWarning {
  /** The EncodingSettings field to look at ('width' stands for the picture size). */
  setting: keyof EncodingSettings;
  /** Names the limit and the value set, e.g. "Twitch accepts at most 6000 kbit/s of video; 8000 is set". */
  message: string;
}

/** 44100 -> "44.1", 48000 -> "48". */
function kHz(rate: number): string {
  return String(rate / 1000);
}

/** ['main', 'high'] -> "main or high"; three or more -> "a, b or c". */
function either(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

export function checkEncodingForService(settings: EncodingSettings, service: ServicePreset): SettingWarning[] {
  const { name, limits } = service;
  const warnings: SettingWarning[] = [];
  const warn = (setting: keyof EncodingSettings, message: string): void => {
    warnings.push({ setting, message });
  };

  if (limits.keyframeIntervalSec !== undefined && settings.keyframeIntervalSec !== limits.keyframeIntervalSec) {
    warn(
      'keyframeIntervalSec',
      `${name} expects a keyframe every ${limits.keyframeIntervalSec} s; ${settings.keyframeIntervalSec} s is set`,
    );
  }
  if (limits.maxVideoKbps !== undefined && settings.videoBitrateKbps > limits.maxVideoKbps) {
    warn(
      'videoBitrateKbps',
      `${name} accepts at most ${limits.maxVideoKbps} kbit/s of video; ${settings.videoBitrateKbps} is set`,
    );
  }
  if (limits.maxAudioKbps !== undefined && settings.audioBitrateKbps > limits.maxAudioKbps) {
    warn(
      'audioBitrateKbps',
      `${name} accepts at most ${limits.maxAudioKbps} kbit/s of audio; ${settings.audioBitrateKbps} is set`,
    );
  }
  if (limits.audioSampleRates !== undefined && !limits.audioSampleRates.includes(settings.audioSampleRate)) {
    warn(
      'audioSampleRate',
      `${name} accepts audio at ${either(limits.audioSampleRates.map(kHz))} kHz; ${kHz(settings.audioSampleRate)} kHz is set`,
    );
  }
  if (limits.profiles !== undefined && !limits.profiles.includes(settings.profile)) {
    warn('profile', `${name} accepts the H.264 ${either(limits.profiles)} profile; ${settings.profile} is set`);
  }
  const sizeWarning = checkSize(settings, service);
  if (sizeWarning) warn('width', sizeWarning);
  if (limits.maxFps !== undefined && settings.fps > limits.maxFps) {
    warn('fps', `${name} accepts at most ${limits.maxFps} fps; ${settings.fps} is set`);
  }
  return warnings;
}

/**
 * Limits are written for landscape pictures. Services that take vertical video (phones, Shorts) take
 * it up to the same size turned on its side, so a portrait picture is compared with the sides swapped.
 */
function checkSize(settings: Pick<EncodingSettings, 'width' | 'height'>, service: ServicePreset): string | undefined {
  const { maxWidth, maxHeight } = service.limits;
  if (maxWidth === undefined && maxHeight === undefined) return undefined;
  const portrait = settings.height > settings.width;
  const width = portrait ? settings.height : settings.width;
  const height = portrait ? settings.width : settings.height;
  const tooWide = maxWidth !== undefined && width > maxWidth;
  const tooTall = maxHeight !== undefined && height > maxHeight;
  if (!tooWide && !tooTall) return undefined;
  const limit =
    maxWidth !== undefined && maxHeight !== undefined
      ? `${maxWidth}x${maxHeight}`
      : maxWidth !== undefined
        ? `${maxWidth} pixels wide`
        : `${maxHeight} pixels high`;
  return `${service.name} accepts at most ${limit}; ${settings.width}x${settings.height} is set`;
}
