/**
 * What the panels need to know about sources: the kinds a streamer can add, with their labels and the
 * device list that feeds their picker, and how to turn a filled-in form into the contract's SourceInput.
 */
import type { CaptureDevice, Canvas, ItemPatch, SceneItem, Source, SourceInput, SourcePatch } from '../../electron/contract.js';

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

// ---------------------------------------------------------------------------------------------------
// Properties and transform: a source's settings and an item's box as forms, and back as the contract's patches

/** What the properties dialog edits, as typed (numbers as text: a half-typed field is not a number yet). */
export interface PropertiesForm {
  name: string;
  /** A device id, or '' for the system default. */
  device: string;
  captureCursor: boolean;
  file: string;
  text: string;
  fontSizePx: string;
  /** The text's colour, or the colour source's. */
  color: string;
  frequencyHz: string;
}

/** The add-menu kind a source is edited as: its device picker is the one it was added with. */
export function editKindOf(source: Source): AddKind | null {
  switch (source.kind) {
    case 'video-device':
      return source.settings.role;
    case 'audio-device':
      return source.settings.role;
    case 'screen':
    case 'image':
    case 'text':
    case 'color':
    case 'test-pattern':
    case 'tone':
      return source.kind;
    case 'media':
      return 'media';
    default:
      return null;
  }
}

export function propertiesOf(source: Source): PropertiesForm {
  const s = source.settings as Record<string, unknown>;
  const str = (key: string, fallback = ''): string => (typeof s[key] === 'string' ? (s[key] as string) : fallback);
  const num = (key: string, fallback: number): string => String(typeof s[key] === 'number' ? s[key] : fallback);
  return {
    name: source.name,
    device: str('device'),
    captureCursor: s.captureCursor !== false,
    file: str('file'),
    text: str('text'),
    fontSizePx: num('fontSizePx', 72),
    color: str('color', '#ffffff').slice(0, 7),
    frequencyHz: num('frequencyHz', 440),
  };
}

export type FormErrors = Record<string, string>;
export type Checked<T> = { ok: true; value: T } | { ok: false; errors: FormErrors };

/** A number as typed, or why it is not one: the form says so at the field before anything is sent. */
function numberIn(text: string, label: string, rule: { min?: number; above?: number; max?: number; whole?: boolean }): number | string {
  const value = text.trim() === '' ? Number.NaN : Number(text);
  const what = rule.whole ? 'a whole number' : 'a number';
  if (!Number.isFinite(value)) return `${label} must be ${what}`;
  if (rule.whole && !Number.isInteger(value)) return `${label} must be ${what}`;
  if (rule.above !== undefined && value <= rule.above) return `${label} must be more than ${rule.above}`;
  if (rule.min !== undefined && value < rule.min) return `${label} must be ${rule.min} or more`;
  if (rule.max !== undefined && value > rule.max) return `${label} must be at most ${rule.max}`;
  return value;
}

/** The change the properties form asks for: the name and the settings of the source's kind. */
export function sourcePatchFrom(source: Source, form: PropertiesForm, devices: readonly CaptureDevice[]): Checked<SourcePatch> {
  const errors: FormErrors = {};
  const name = form.name.trim() || source.name;
  let settings: Record<string, unknown> | undefined;
  switch (source.kind) {
    case 'video-device':
    case 'audio-device':
    case 'screen': {
      const picked = devices.find((d) => d.id === form.device);
      // A device not in today's list (unplugged) keeps its saved id and name rather than being lost.
      settings = picked ? { device: picked.id, deviceName: picked.name } : form.device === '' ? { device: null, deviceName: undefined } : {};
      if (source.kind === 'screen') settings.captureCursor = form.captureCursor;
      break;
    }
    case 'image':
    case 'media':
      if (form.file.trim() === '') errors.file = 'File must be the full path of a file';
      settings = { file: form.file.trim() };
      break;
    case 'text': {
      const size = numberIn(form.fontSizePx, 'Font size', { above: 0, max: 1000 });
      if (typeof size === 'string') errors.fontSizePx = size;
      settings = { text: form.text, fontSizePx: size, color: form.color };
      break;
    }
    case 'color':
      settings = { color: form.color };
      break;
    case 'tone': {
      const hz = numberIn(form.frequencyHz, 'Frequency', { above: 0, max: 24000 });
      if (typeof hz === 'string') errors.frequencyHz = hz;
      settings = { frequencyHz: hz };
      break;
    }
    default:
      settings = undefined;
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value: settings ? { name, settings } : { name } };
}

/** A field named by the engine (`settings.fontSizePx`, `1.name`) as the properties form names it. */
export function formFieldOf(field: string | undefined): string {
  return (field ?? '').replace(/^\d+\./, '').replace(/^patch\./, '').replace(/^settings\./, '');
}

export interface TransformForm {
  x: string;
  y: string;
  width: string;
  height: string;
  cropTop: string;
  cropRight: string;
  cropBottom: string;
  cropLeft: string;
}

export function transformOf(item: SceneItem): TransformForm {
  const t = (n: number): string => String(Math.round(n * 100) / 100);
  return {
    x: t(item.x),
    y: t(item.y),
    width: t(item.width),
    height: t(item.height),
    cropTop: String(item.crop.top),
    cropRight: String(item.crop.right),
    cropBottom: String(item.crop.bottom),
    cropLeft: String(item.crop.left),
  };
}

const CROP_FIELDS = [
  ['cropTop', 'top', 'Crop top'],
  ['cropRight', 'right', 'Crop right'],
  ['cropBottom', 'bottom', 'Crop bottom'],
  ['cropLeft', 'left', 'Crop left'],
] as const;

/** The item's new box and crop, in canvas and source pixels, or each field's problem. */
export function transformPatch(form: TransformForm): Checked<ItemPatch> {
  const errors: FormErrors = {};
  const read = (key: keyof TransformForm, label: string, rule: Parameters<typeof numberIn>[2]): number => {
    const value = numberIn(form[key], label, rule);
    if (typeof value === 'string') {
      errors[key] = value;
      return 0;
    }
    return value;
  };
  const x = read('x', 'X', {});
  const y = read('y', 'Y', {});
  const width = read('width', 'Width', { min: 0 });
  const height = read('height', 'Height', { min: 0 });
  const crop = { top: 0, right: 0, bottom: 0, left: 0 };
  for (const [key, side, label] of CROP_FIELDS) crop[side] = read(key, label, { min: 0, whole: true });
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value: { x, y, width, height, crop } };
}

/** An engine's field for an item (`x`, `crop.left`) as the transform form names it. */
export function transformFieldOf(field: string | undefined): string {
  const f = (field ?? '').replace(/^\d+\./, '');
  const side = /^crop\.(top|right|bottom|left)$/.exec(f)?.[1];
  return side ? `crop${side[0]!.toUpperCase()}${side.slice(1)}` : f;
}
