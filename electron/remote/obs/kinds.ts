/**
 * Uplink's source kinds as OBS's input kinds, both ways, so that clients' icons and forms work. From
 * OBS to Uplink this is the OBS import's own mapping (`sourceFromObs`, the one that reads saved OBS
 * collections); this file adds the other direction: which OBS kind id a source is on this computer's
 * OS, and its settings in OBS's names and units (colours as 0xAABBGGRR integers, volumes as multipliers).
 */
import type { Canvas, CaptureDevice, Source } from '../../contract.js';
import { SILENT_DB } from '../../contract-scenes.js';
import { sourceFromObs } from '../../engine/scenes/obs-import.js';
import type { ObsData } from './types.js';

export type ObsPlatform = 'windows' | 'macos' | 'linux';

export function obsPlatform(platform: NodeJS.Platform = process.platform): ObsPlatform {
  return platform === 'win32' ? 'windows' : platform === 'darwin' ? 'macos' : 'linux';
}

interface PlatformKinds {
  text: string;
  camera: string;
  microphone: string;
  desktopAudio: string;
  screen: string;
  /** Every kind CreateInput takes here, GetInputKindList's answer. */
  all: string[];
}

const COMMON = ['color_source_v3', 'image_source', 'ffmpeg_source'];

export const PLATFORM_KINDS: Record<ObsPlatform, PlatformKinds> = {
  linux: {
    text: 'text_ft2_source_v2',
    camera: 'v4l2_input',
    microphone: 'pulse_input_capture',
    desktopAudio: 'pulse_output_capture',
    screen: 'xshm_input_v2',
    all: [...COMMON, 'text_ft2_source_v2', 'v4l2_input', 'pulse_input_capture', 'pulse_output_capture', 'alsa_input_capture', 'xshm_input_v2'],
  },
  windows: {
    text: 'text_gdiplus_v3',
    camera: 'dshow_input',
    microphone: 'wasapi_input_capture',
    desktopAudio: 'wasapi_output_capture',
    screen: 'monitor_capture',
    all: [...COMMON, 'text_gdiplus_v3', 'text_ft2_source_v2', 'dshow_input', 'wasapi_input_capture', 'wasapi_output_capture', 'monitor_capture'],
  },
  macos: {
    text: 'text_ft2_source_v2',
    camera: 'av_capture_input_v2',
    microphone: 'coreaudio_input_capture',
    desktopAudio: 'coreaudio_output_capture',
    screen: 'screen_capture',
    all: [...COMMON, 'text_ft2_source_v2', 'av_capture_input_v2', 'coreaudio_input_capture', 'coreaudio_output_capture', 'screen_capture', 'display_capture'],
  },
};

/** Older ids of the same kinds that clients may still send. */
const ALIASES: Record<string, string> = { xshm_input: 'xshm_input_v2', av_capture_input: 'av_capture_input_v2' };

/** The kind as CreateInput takes it here, or undefined when Uplink has no such input on this OS. */
export function creatableKind(kind: string, platform: ObsPlatform): string | undefined {
  const known = PLATFORM_KINDS[platform].all;
  if (known.includes(kind)) return kind;
  const alias = ALIASES[kind];
  return alias !== undefined && known.includes(alias) ? alias : undefined;
}

/** `color_source_v3` -> `color_source`: GetInputKindList's `unversioned` and the events' unversionedInputKind. */
export function unversioned(kind: string): string {
  return kind.replace(/_v\d+$/, '');
}

/** Kinds OBS does not have: Uplink's own built-ins keep a name of their own rather than pretend. */
const UPLINK_ONLY = { 'test-pattern': 'uplink_test_pattern', tone: 'uplink_tone' } as const;

export function obsKindOf(source: Source, platform: ObsPlatform): string {
  const kinds = PLATFORM_KINDS[platform];
  switch (source.kind) {
    case 'color':
      return 'color_source_v3';
    case 'image':
      return 'image_source';
    case 'media':
    case 'network':
      return 'ffmpeg_source';
    case 'text':
      return kinds.text;
    case 'video-device': {
      const api = source.settings.device?.split(':')[0];
      return api === 'v4l2' ? 'v4l2_input' : api === 'dshow' ? 'dshow_input' : api === 'avfoundation' ? 'av_capture_input_v2' : kinds.camera;
    }
    case 'audio-device': {
      const api = source.settings.device?.split(':')[0];
      const desktop = source.settings.role === 'desktop-audio';
      if (api === 'pulse') return desktop ? 'pulse_output_capture' : 'pulse_input_capture';
      if (api === 'alsa') return 'alsa_input_capture';
      return desktop ? kinds.desktopAudio : kinds.microphone;
    }
    case 'screen':
      return kinds.screen;
    case 'placeholder':
      return source.settings.obsKind;
    case 'test-pattern':
    case 'tone':
      return UPLINK_ONLY[source.kind];
  }
}

/** libobs's source output flags, for inputKindCaps. */
const OBS_SOURCE_VIDEO = 1 << 0;
const OBS_SOURCE_AUDIO = 1 << 1;
const OBS_SOURCE_ASYNC = 1 << 2;
const OBS_SOURCE_CONTROLLABLE_MEDIA = 1 << 13;

/** Whether the source has a mixer channel (volume and mute) in OBS's sense. */
export function hasAudioControls(source: Source): boolean {
  switch (source.kind) {
    case 'audio-device':
    case 'tone':
    case 'video-device':
    case 'media':
    case 'network':
      return true;
    case 'placeholder':
      return source.audio !== undefined;
    default:
      return false;
  }
}

export function inputKindCaps(source: Source): number {
  const video = source.kind === 'audio-device' || source.kind === 'tone' ? 0 : OBS_SOURCE_VIDEO;
  const audio = hasAudioControls(source) ? OBS_SOURCE_AUDIO : 0;
  const async = ['video-device', 'media', 'network', 'audio-device'].includes(source.kind) ? OBS_SOURCE_ASYNC : 0;
  const media = source.kind === 'media' || source.kind === 'network' ? OBS_SOURCE_CONTROLLABLE_MEDIA : 0;
  return video | audio | async | media;
}

/** `#RRGGBB[AA]` as OBS's 0xAABBGGRR integer. */
export function obsColor(hex: string): number {
  const value = (at: number): number => Number.parseInt(hex.slice(at, at + 2), 16);
  const alpha = hex.length === 9 ? value(7) : 0xff;
  return ((alpha << 24) | (value(5) << 16) | (value(3) << 8) | value(1)) >>> 0;
}

/** libobs's font flags. */
const BOLD = 1;
const ITALIC = 2;

/** The source's settings in OBS's names and units, for `kind` (what obsKindOf says). */
export function obsSettingsOf(source: Source, kind: string): ObsData {
  switch (source.kind) {
    case 'color':
      return { color: obsColor(source.settings.color), width: source.settings.width, height: source.settings.height };
    case 'image':
      return { file: source.settings.file };
    case 'media':
      return { is_local_file: true, local_file: source.settings.file, looping: source.settings.loop };
    case 'network':
      return { is_local_file: false, input: source.settings.url };
    case 'text': {
      const s = source.settings;
      const font = { face: s.fontFace, size: s.fontSizePx, flags: (s.bold ? BOLD : 0) | (s.italic ? ITALIC : 0), style: '' };
      if (kind.startsWith('text_gdiplus')) {
        // GDI+ keeps the colour without alpha and the opacity apart, in percent.
        const color = obsColor(s.color);
        const background = s.backgroundColor === undefined ? 0 : obsColor(s.backgroundColor);
        return {
          text: s.text,
          font,
          color: color & 0xffffff,
          opacity: Math.round(((color >>> 24) / 255) * 100),
          bk_color: background & 0xffffff,
          bk_opacity: Math.round(((background >>> 24) / 255) * 100),
        };
      }
      return { text: s.text, font, color1: obsColor(s.color), color2: obsColor(s.color) };
    }
    case 'video-device': {
      const s = source.settings;
      const path = s.device?.replace(/^[a-z0-9]+:/, '') ?? '';
      if (kind === 'v4l2_input') return { device_id: path, ...(s.width && s.height ? { resolution: ((s.width << 16) | s.height) >>> 0 } : {}) };
      if (kind === 'dshow_input') {
        const name = s.deviceName ?? path.replace(/^video=/, '');
        return { video_device_id: name === '' ? '' : `${name}:`, res_type: s.width && s.height ? 1 : 0, ...(s.width && s.height ? { resolution: `${s.width}x${s.height}` } : {}) };
      }
      return { device_name: s.deviceName ?? '', ...(s.width && s.height ? { preset: `AVCaptureSessionPreset${s.width}x${s.height}` } : {}) };
    }
    case 'audio-device': {
      const device = source.settings.device;
      if (device === null || !(device.startsWith('pulse:') || device.startsWith('alsa:'))) return { device_id: 'default' };
      return { device_id: device.replace(/^(pulse|alsa):/, '').replace(/\.monitor$/, '') };
    }
    case 'screen':
      return kind === 'monitor_capture' ? { capture_cursor: source.settings.captureCursor } : { show_cursor: source.settings.captureCursor };
    case 'placeholder':
      return { width: source.settings.width, height: source.settings.height };
    case 'tone':
      return { frequency: source.settings.frequencyHz };
    case 'test-pattern':
      return {};
  }
}

/** GetInputDefaultSettings: what a new input of `kind` gets where CreateInput's settings say nothing. */
export function defaultSettings(kind: string, canvas: Canvas): ObsData {
  switch (unversioned(kind)) {
    case 'color_source':
      return { color: 0xffd1d1d1, width: canvas.width, height: canvas.height };
    case 'ffmpeg_source':
      // Uplink loops media files (the import says so of those that play once in OBS).
      return { is_local_file: true, looping: true };
    case 'text_ft2_source':
      return { text: '', font: { face: 'Sans Serif', size: 32, flags: 0, style: '' }, color1: 0xffffffff, color2: 0xffffffff };
    case 'text_gdiplus':
      return { text: '', font: { face: 'Arial', size: 36, flags: 0, style: '' }, color: 0xffffff, opacity: 100, bk_color: 0, bk_opacity: 0 };
    case 'pulse_input_capture':
    case 'pulse_output_capture':
    case 'alsa_input_capture':
    case 'wasapi_input_capture':
    case 'wasapi_output_capture':
    case 'coreaudio_input_capture':
    case 'coreaudio_output_capture':
      return { device_id: 'default' };
    case 'monitor_capture':
      return { capture_cursor: true };
    case 'xshm_input':
    case 'screen_capture':
    case 'display_capture':
      return { show_cursor: true };
    default:
      return {};
  }
}

/**
 * An input of `kind` with these OBS settings, as an Uplink source (without its id), by the OBS import's
 * mapping; the settings are laid over the kind's defaults first, as OBS does.
 */
export function sourceInputFromObs(kind: string, name: string, settings: ObsData, canvas: Canvas): Omit<Source, 'id'> {
  // A media source plays its sound in OBS (as one added in Uplink's studio does): it gets a fader at 0 dB.
  const audible = unversioned(kind) === 'ffmpeg_source' ? { volume: 1, muted: false } : {};
  const { source } = sourceFromObs({ id: kind, name, settings: { ...defaultSettings(kind, canvas), ...settings }, ...audible }, canvas);
  const { id: _id, ...rest } = source;
  return rest;
}

/** The device lists of OBS's input properties, as GetInputPropertiesListPropertyItems answers them. */
const DEVICE_PROPERTIES: Record<string, { property: string; matches: (d: CaptureDevice) => boolean; value: (d: CaptureDevice) => string }> = {
  v4l2_input: { property: 'device_id', matches: (d) => d.api === 'v4l2' && d.kind === 'video', value: (d) => d.id.replace(/^v4l2:/, '') },
  dshow_input: { property: 'video_device_id', matches: (d) => d.api === 'dshow' && d.kind === 'video', value: (d) => `${d.name}:` },
  pulse_input_capture: { property: 'device_id', matches: (d) => d.api === 'pulse' && d.kind === 'audio' && d.monitor !== true, value: (d) => d.id.replace(/^pulse:/, '') },
  pulse_output_capture: { property: 'device_id', matches: (d) => d.api === 'pulse' && d.monitor === true, value: (d) => d.id.replace(/^pulse:/, '').replace(/\.monitor$/, '') },
  alsa_input_capture: { property: 'device_id', matches: (d) => d.api === 'alsa' && d.kind === 'audio', value: (d) => d.id.replace(/^alsa:/, '') },
};

/**
 * The items of a list property of an input of `kind` (the devices a camera or microphone input can
 * take, with the values its settings take), or undefined when Uplink has no such list property.
 */
export function propertyItems(kind: string, property: string, devices: readonly CaptureDevice[]): ObsData[] | undefined {
  const list = DEVICE_PROPERTIES[kind];
  if (list === undefined || list.property !== property) return undefined;
  const items = devices.filter(list.matches).map((d) => ({ itemName: d.name, itemEnabled: true, itemValue: list.value(d) }));
  // The audio kinds take "default", the system's device, as OBS's lists offer it first.
  return kind.endsWith('_capture') ? [{ itemName: 'Default', itemEnabled: true, itemValue: 'default' }, ...items] : items;
}

/** OBS volume multiplier <-> Uplink's dB (SILENT_DB is silence, a multiplier of 0). */
export function dbToMul(db: number): number {
  return db <= SILENT_DB ? 0 : 10 ** (db / 20);
}
