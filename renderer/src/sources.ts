/**
 * What the panels need to know about sources: the kinds a streamer can add, with their labels and the
 * device list that feeds their picker, and how to turn a filled-in form into the contract's SourceInput.
 */
import type { CaptureDevice, Canvas, Source, SourceInput } from '../../electron/contract.js';

export type AddKind = 'camera' | 'capture-card' | 'microphone' | 'desktop-audio' | 'screen' | 'image' | 'text' | 'color' | 'media' | 'test-pattern' | 'tone';

export const ADD_KINDS: ReadonlyArray<{ kind: AddKind; label: string; icon: string }> = [
  { kind: 'camera', label: 'Camera', icon: '◉' },
  { kind: 'capture-card', label: 'Capture card', icon: '▣' },
  { kind: 'microphone', label: 'Microphone', icon: 'mic' },
  { kind: 'desktop-audio', label: 'Desktop audio', icon: '♪' },
  { kind: 'screen', label: 'Screen', icon: '▭' },
  { kind: 'image', label: 'Image', icon: 'image' },
  { kind: 'text', label: 'Text', icon: 'T' },
  { kind: 'color', label: 'Color', icon: '■' },
  { kind: 'media', label: 'Media file', icon: '▶' },
  { kind: 'test-pattern', label: 'Test pattern', icon: '▦' },
  { kind: 'tone', label: 'Tone', icon: '∿' },
];

export function addKindLabel(kind: AddKind): string {
  return ADD_KINDS.find((k) => k.kind === kind)?.label ?? kind;
}

/** The devices a kind picks from: cameras are video devices, desktop audio is a sink's monitor. */
export function devicesFor(kind: AddKind, devices: readonly CaptureDevice[]): CaptureDevice[] {
  switch (kind) {
    case 'camera':
    case 'capture-card':
      return devices.filter((d) => d.kind === 'video');
    case 'microphone':
      return devices.filter((d) => d.kind === 'audio' && !d.monitor);
    case 'desktop-audio':
      return devices.filter((d) => d.kind === 'audio' && d.monitor === true);
    case 'screen':
      return devices.filter((d) => d.kind === 'screen');
    default:
      return [];
  }
}

export interface AddForm {
  name: string;
  /** A device id, or '' for the system default. */
  device: string;
  file: string;
  text: string;
  color: string;
  frequencyHz: number;
}

export function buildSourceInput(kind: AddKind, form: AddForm, devices: readonly CaptureDevice[], canvas: Canvas): SourceInput {
  const picked = devices.find((d) => d.id === form.device);
  const deviceRef = { device: picked ? picked.id : null, ...(picked ? { deviceName: picked.name } : {}) };
  const name = form.name.trim() || addKindLabel(kind);
  const audio = { volumeDb: 0, muted: false };
  switch (kind) {
    case 'camera':
    case 'capture-card':
      return { name, kind: 'video-device', settings: { ...deviceRef, role: kind } };
    case 'microphone':
    case 'desktop-audio':
      return { name, kind: 'audio-device', settings: { ...deviceRef, role: kind }, audio };
    case 'screen':
      return { name, kind: 'screen', settings: { ...deviceRef, captureCursor: true } };
    case 'image':
      return { name, kind: 'image', settings: { file: form.file } };
    case 'media':
      return { name, kind: 'media', settings: { file: form.file, loop: true }, audio };
    case 'text':
      return { name, kind: 'text', settings: { text: form.text, fontFace: 'Sans', fontSizePx: 72, bold: true, italic: false, color: '#ffffff' } };
    case 'color':
      return { name, kind: 'color', settings: { color: form.color, width: canvas.width, height: canvas.height } };
    case 'test-pattern':
      return { name, kind: 'test-pattern', settings: {} };
    case 'tone':
      return { name, kind: 'tone', settings: { frequencyHz: form.frequencyHz }, audio };
  }
}

/** Sources the mixer shows: those with a fader (the engine gives them `audio`). */
export function hasAudio(source: Source): source is Source & { audio: { volumeDb: number; muted: boolean } } {
  return 'audio' in source && source.audio !== undefined;
}

/** Video-less sources are placed as 0 x 0 items: nothing to drag in the preview. */
export function isAudioOnly(source: Source): boolean {
  return source.kind === 'audio-device' || source.kind === 'tone';
}

/**
 * The source's own picture size, which crops are counted in. The engine knows it for sure only once the
 * source is open; where the settings do not say, the canvas size is the best guess, since cameras,
 * screens and test patterns are scaled from about that size.
 */
export function naturalSize(source: Source | undefined, canvas: Canvas): { width: number; height: number } {
  if (source) {
    const settings = source.settings as { width?: number; height?: number };
    if (typeof settings.width === 'number' && typeof settings.height === 'number') return { width: settings.width, height: settings.height };
  }
  return { width: canvas.width, height: canvas.height };
}

export function kindLabel(source: Source): string {
  switch (source.kind) {
    case 'video-device':
      return source.settings.role === 'capture-card' ? 'Capture card' : 'Camera';
    case 'audio-device':
      return source.settings.role === 'desktop-audio' ? 'Desktop audio' : 'Microphone';
    case 'screen':
      return 'Screen';
    case 'image':
      return 'Image';
    case 'color':
      return 'Color';
    case 'text':
      return 'Text';
    case 'media':
      return 'Media';
    case 'network':
      return 'Network stream';
    case 'test-pattern':
      return 'Test pattern';
    case 'tone':
      return 'Tone';
    case 'placeholder':
      return `From OBS: ${source.settings.label}`;
  }
}

export function kindIcon(source: Source): string {
  switch (source.kind) {
    case 'video-device':
      return '◉';
    case 'audio-device':
      return source.settings.role === 'desktop-audio' ? '♪' : 'mic';
    case 'screen':
      return '▭';
    case 'image':
      return 'image';
    case 'color':
      return '■';
    case 'text':
      return 'T';
    case 'media':
      return '▶';
    case 'network':
      return '⇄';
    case 'test-pattern':
      return '▦';
    case 'tone':
      return '∿';
    case 'placeholder':
      return '?';
  }
}
