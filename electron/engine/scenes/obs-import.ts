/**
 * OBS Studio scene collections (the JSON OBS 28–32 saves under basic/scenes/) into Uplink collections.
 * Pure: JSON in, collection and report out. Nothing is dropped silently: a source kind we cannot show
 * becomes a labelled placeholder in its place, and whatever is approximated or left out (rotation, a
 * filter, a gradient) is said in the report.
 */
import { UplinkError } from '../errors.js';
import {
  type AudioSettings,
  type Canvas,
  COLLECTION_VERSION,
  type Collection,
  type Crop,
  DEFAULT_TRANSITION,
  SILENT_DB,
  type Scene,
  type SceneItem,
  type Source,
  type Transition,
  parseCollection,
} from './model.js';

export interface ObsImportOptions {
  /** The canvas, from the OBS profile's basic.ini when known (see canvasFromBasicIni). */
  canvas?: Canvas;
  /** Sizes of sources OBS does not save (images, media files, text), by OBS source name. */
  sourceSizes?: Readonly<Record<string, { width: number; height: number }>>;
}

export type ImportStatus = 'imported' | 'approximated' | 'placeholder';

export interface ImportReport {
  sources: { name: string; obsKind: string; id: string; as: Source['kind']; status: ImportStatus; notes: string[] }[];
  scenes: { name: string; id: string; items: number; notes: string[] }[];
  notes: string[];
}

export interface ObsImport {
  collection: Collection;
  report: ImportReport;
}

export const DEFAULT_CANVAS: Canvas = { width: 1920, height: 1080, fps: 30 };

type Json = Record<string, unknown>;

interface Size {
  width: number;
  height: number;
}

interface Converted {
  source: Source;
  obsKind: string;
  status: ImportStatus;
  notes: string[];
  /** Null when OBS does not save it: then sourceSizes, else the canvas size, is used. */
  size: Size | null;
}

/** OBS's `align` and `bounds_align` bits. */
const ALIGN_LEFT = 1;
const ALIGN_RIGHT = 2;
const ALIGN_TOP = 4;
const ALIGN_BOTTOM = 8;

const BOUNDS = ['none', 'stretch', 'scale inner', 'scale outer', 'scale to width', 'scale to height', 'max only'] as const;

export function importObsCollection(input: unknown, options: ObsImportOptions = {}): ObsImport {
  if (!isObject(input) || !Array.isArray(input.sources) || (!Array.isArray(input.scene_order) && typeof input.current_scene !== 'string')) {
    throw new UplinkError('NOT_OBS_COLLECTION', 'this is not an OBS scene collection (it has no "sources" and "scene_order"): export one from OBS with Scene Collection → Export');
  }
  const canvas = options.canvas ?? DEFAULT_CANVAS;
  const report: ImportReport = { sources: [], scenes: [], notes: [] };
  const obsSources = input.sources.filter(isObject);
  const groups = new Map((Array.isArray(input.groups) ? input.groups.filter(isObject) : []).map((g) => [str(g.name), g]));
  const ids = new IdAllocator();

  const sceneSources = obsSources.filter((s) => s.id === 'scene');
  const order = Array.isArray(input.scene_order) ? input.scene_order.filter(isObject).map((s) => str(s.name)) : [];
  for (const scene of sceneSources) if (!order.includes(str(scene.name))) order.push(str(scene.name));
  const sceneIds = new Map(order.map((name) => [name, ids.take(name)]));

  const converted = new Map<string, Converted>();
  for (const obs of [...obsSources.filter((s) => s.id !== 'scene'), ...globalAudio(input, report)]) {
    const name = str(obs.name);
    const result = convertSource(obs, ids.take(name), canvas);
    if (result.size === null && options.sourceSizes?.[name] !== undefined) result.size = options.sourceSizes[name];
    converted.set(name, result);
  }

  const sizeOf = (name: string): Size => {
    if (sceneIds.has(name)) return { width: canvas.width, height: canvas.height };
    const c = converted.get(name);
    if (c === undefined) return { width: canvas.width, height: canvas.height };
    if (c.size === null) {
      c.size = { width: canvas.width, height: canvas.height };
      if (c.status === 'imported') c.status = 'approximated';
      c.notes.push(`its size is not saved by OBS: taken as the canvas, ${canvas.width}x${canvas.height}; set the item's size`);
    }
    return c.size;
  };

  const scenes: Scene[] = [];
  for (const name of order) {
    const obs = sceneSources.find((s) => str(s.name) === name);
    const id = sceneIds.get(name)!;
    const notes: string[] = [];
    const items: SceneItem[] = [];
    const place = (item: Json, parent: Placement | null): void => {
      const sourceName = str(item.name);
      const group = groups.get(sourceName);
      if (group !== undefined) {
        const groupSize = { width: num(settings(group).cx, 0), height: num(settings(group).cy, 0) };
        const placed = placeItem(item, groupSize, notes, sourceName, parent);
        notes.push(`group "${sourceName}" is flattened into the scene: its items are placed one by one`);
        for (const child of itemsOf(group)) place(child, placed);
        return;
      }
      const sourceId = sceneIds.get(sourceName) ?? converted.get(sourceName)?.source.id;
      if (sourceId === undefined) {
        notes.push(`item "${sourceName}" names no source in the file: left out`);
        return;
      }
      const audioOnly = converted.get(sourceName)?.size?.width === 0;
      const placed = placeItem(item, audioOnly ? { width: 0, height: 0 } : sizeOf(sourceName), notes, sourceName, parent);
      items.push({
        id: parent === null ? `item-${num(item.id, items.length + 1)}` : `item-${parent.id}-${num(item.id, items.length + 1)}`,
        sourceId,
        x: round(placed.x),
        y: round(placed.y),
        width: round(placed.width),
        height: round(placed.height),
        crop: placed.crop,
        visible: placed.visible,
        locked: placed.locked,
      });
    };
    // group_item_backup entries repeat a group's items in scene space for old OBS versions: the group has them.
    for (const item of obs === undefined ? [] : itemsOf(obs)) if (item.group_item_backup !== true) place(item, null);
    scenes.push({ id, name, items });
    report.scenes.push({ name, id, items: items.length, notes });
  }
  if (scenes.length === 0) {
    scenes.push({ id: ids.take('Scene'), name: 'Scene', items: [] });
    report.notes.push('the collection has no scene: an empty one is made');
  }

  for (const [name, c] of converted) {
    report.sources.push({ name, obsKind: c.obsKind, id: c.source.id, as: c.source.kind, status: c.status, notes: c.notes });
  }

  const current = str(input.current_program_scene) || str(input.current_scene);
  const collection: Collection = {
    version: COLLECTION_VERSION,
    canvas,
    sources: [...converted.values()].map((c) => c.source),
    scenes,
    currentSceneId: sceneIds.get(current) ?? scenes[0]!.id,
    transition: transition(input, report),
  };
  const checked = parseCollection(collection);
  if (!checked.ok) {
    const first = checked.problems[0]!;
    throw new UplinkError('OBS_IMPORT_FAILED', `the imported collection is not valid at ${first.path}: ${first.message}; please report this with the OBS file`);
  }
  return { collection: checked.value, report };
}

export interface Placement {
  id: number;
  x: number;
  y: number;
  width: number;
  height: number;
  crop: Crop;
  visible: boolean;
  locked: boolean;
  /** From this item's source pixels (after crop) to canvas pixels; a group's children are scaled by it. */
  scaleX: number;
  scaleY: number;
}

/**
 * Where OBS draws an item, as libobs computes it (obs-scene.c, update_item_transform and
 * calculate_bounds_data): the source cropped, scaled or fitted into its bounds, then its alignment
 * point put at `pos`. Inside a group, the group's own placement is applied on top.
 */
export function placeItem(item: Json, size: Size, notes: string[], name: string, parent: Placement | null): Placement {
  const crop: Crop = {
    top: Math.max(0, Math.round(num(item.crop_top, 0))),
    right: Math.max(0, Math.round(num(item.crop_right, 0))),
    bottom: Math.max(0, Math.round(num(item.crop_bottom, 0))),
    left: Math.max(0, Math.round(num(item.crop_left, 0))),
  };
  const cx = Math.max(0, size.width - crop.left - crop.right);
  const cy = Math.max(0, size.height - crop.top - crop.bottom);
  const pos = vec(item.pos, 0);
  let scale = vec(item.scale, 1);
  if (scale.x < 0 || scale.y < 0) notes.push(`item "${name}": flipped in OBS, imported unflipped`);
  scale = { x: Math.abs(scale.x), y: Math.abs(scale.y) };
  const rotation = num(item.rot, 0);
  if (rotation % 360 !== 0) notes.push(`item "${name}": rotation of ${rotation}° is not supported, imported upright`);

  const align = num(item.align, ALIGN_LEFT | ALIGN_TOP);
  const boundsType = num(item.bounds_type, 0);
  let width: number;
  let height: number;
  let x: number;
  let y: number;
  if (boundsType !== 0 && cx > 0 && cy > 0) {
    const bounds = vec(item.bounds, 0);
    let kind = boundsType;
    const w = cx * scale.x;
    const h = cy * scale.y;
    if (kind === 6) kind = w > bounds.x || h > bounds.y ? 2 : 0;
    if (kind === 2 || kind === 3) {
      let useWidth = bounds.x / bounds.y < w / h;
      if (boundsType === 3) useWidth = !useWidth;
      const mul = useWidth ? bounds.x / w : bounds.y / h;
      scale = { x: scale.x * mul, y: scale.y * mul };
    } else if (kind === 4) {
      scale = { x: (scale.x * bounds.x) / w, y: (scale.y * bounds.x) / w };
    } else if (kind === 5) {
      scale = { x: (scale.x * bounds.y) / h, y: (scale.y * bounds.y) / h };
    } else if (kind === 1) {
      scale = { x: bounds.x / cx, y: bounds.y / cy };
    } else if (kind !== 0) {
      notes.push(`item "${name}": bounds mode ${boundsType} is unknown, its scale is kept`);
    }
    width = cx * scale.x;
    height = cy * scale.y;
    const box = { x: Math.trunc(bounds.x), y: Math.trunc(bounds.y) };
    const origin = alignment(align, box.x, box.y);
    const inside = alignment(num(item.bounds_align, 0), Math.trunc(-(bounds.x - width)), Math.trunc(-(bounds.y - height)));
    x = pos.x - origin.x - inside.x;
    y = pos.y - origin.y - inside.y;
    if (item.bounds_crop === true && boundsType === 3) {
      // OBS 30's "crop to bounds": what overflows the box is cut off, in the source's own pixels.
      const left = Math.max(0, pos.x - origin.x - x);
      const top = Math.max(0, pos.y - origin.y - y);
      const right = Math.max(0, x + width - (pos.x - origin.x + bounds.x));
      const bottom = Math.max(0, y + height - (pos.y - origin.y + bounds.y));
      crop.left += Math.round(left / scale.x);
      crop.right += Math.round(right / scale.x);
      crop.top += Math.round(top / scale.y);
      crop.bottom += Math.round(bottom / scale.y);
      x += left;
      y += top;
      width -= left + right;
      height -= top + bottom;
    } else if (boundsType === 3) {
      notes.push(`item "${name}": fills its ${bounds.x}x${bounds.y} bounds (${BOUNDS[3]}) and reaches past them, as in OBS`);
    }
  } else {
    width = Math.trunc(cx * scale.x);
    height = Math.trunc(cy * scale.y);
    const origin = alignment(align, width, height);
    x = pos.x - origin.x;
    y = pos.y - origin.y;
  }

  let placement: Placement = {
    id: num(item.id, 0),
    x,
    y,
    width,
    height,
    crop,
    visible: bool(item.visible, true),
    locked: bool(item.locked, false),
    scaleX: scale.x,
    scaleY: scale.y,
  };
  if (parent !== null) {
    placement = {
      ...placement,
      x: parent.x + parent.scaleX * x,
      y: parent.y + parent.scaleY * y,
      width: width * parent.scaleX,
      height: height * parent.scaleY,
      visible: parent.visible && placement.visible,
      locked: parent.locked || placement.locked,
    };
  }
  return placement;
}

/** libobs's add_alignment: the offset of the alignment point from the top-left of a cx × cy box. */
function alignment(align: number, cx: number, cy: number): { x: number; y: number } {
  const x = align & ALIGN_RIGHT ? cx : align & ALIGN_LEFT ? 0 : cx >> 1;
  const y = align & ALIGN_BOTTOM ? cy : align & ALIGN_TOP ? 0 : cy >> 1;
  return { x, y };
}

function convertSource(obs: Json, id: string, canvas: Canvas): Converted {
  const kind = str(obs.id);
  const name = str(obs.name);
  const s = settings(obs);
  const notes: string[] = [];
  for (const filter of Array.isArray(obs.filters) ? obs.filters.filter(isObject) : []) {
    notes.push(`filter "${str(filter.name)}" (${str(filter.versioned_id) || str(filter.id)}) not imported`);
  }
  const audio = audioOf(obs);
  const done = (source: Source, size: Size | null, status: ImportStatus = 'imported'): Converted => ({
    source,
    // The versioned kind (color_source_v3) is the one OBS's docs and plugins name.
    obsKind: str(obs.versioned_id) || kind,
    size,
    notes,
    status: status === 'imported' && notes.length > 0 ? 'approximated' : status,
  });
  const noVideo: Size = { width: 0, height: 0 };
  const device = (value: string | null, deviceName?: string) => (deviceName === undefined ? { device: value } : { device: value, deviceName });

  switch (kind) {
    case 'color_source':
    case 'color_source_v2':
    case 'color_source_v3': {
      // Newer versions default to the canvas size, the first to 400x400.
      const fallback = kind === 'color_source' ? 400 : undefined;
      const width = Math.max(1, Math.round(num(s.width, fallback ?? canvas.width)));
      const height = Math.max(1, Math.round(num(s.height, fallback ?? canvas.height)));
      return done({ id, name, kind: 'color', settings: { color: abgr(num(s.color, 0xffd1d1d1)), width, height } }, { width, height });
    }
    case 'image_source':
      return done({ id, name, kind: 'image', settings: { file: str(s.file) || '(none)' } }, null);
    case 'ffmpeg_source': {
      if (s.is_local_file === false) {
        const url = str(s.input);
        if (/^(rtmps?|srt|rtsps?|https?):\/\//i.test(url)) {
          return done({ id, name, kind: 'network', settings: { url }, audio }, null);
        }
        return done(placeholder(id, name, kind, `network input ${url.split(':')[0] || '(empty)'} is not supported`, canvas), null, 'placeholder');
      }
      if (bool(s.looping, false) === false) notes.push('plays once in OBS; Uplink loops media files');
      return done({ id, name, kind: 'media', settings: { file: str(s.local_file) || '(none)', loop: true }, audio }, null);
    }
    case 'text_ft2_source':
    case 'text_ft2_source_v2':
    case 'text_gdiplus':
    case 'text_gdiplus_v2':
    case 'text_gdiplus_v3': {
      const gdi = kind.startsWith('text_gdiplus');
      const font = isObject(s.font) ? s.font : {};
      const flags = num(font.flags, 0);
      const fromFile = gdi ? bool(s.read_from_file, false) : bool(s.from_file, false);
      if (fromFile) notes.push(`reads its text from ${str(gdi ? s.file : s.text_file)}: imported as the text saved with it`);
      if (!gdi && num(s.color1, 0xffffffff) !== num(s.color2, 0xffffffff)) notes.push('colour gradient imported as its top colour');
      if (bool(s.outline, false)) notes.push('outline not imported');
      if (bool(s.drop_shadow, false)) notes.push('drop shadow not imported');
      // GDI+ keeps the colour without alpha, and the opacity apart (0-100).
      const color = gdi ? withOpacity(num(s.color, 0xffffff), num(s.opacity, 100)) : abgr(num(s.color1, 0xffffffff));
      const background = gdi && num(s.bk_opacity, 0) > 0 ? withOpacity(num(s.bk_color, 0), num(s.bk_opacity, 0)) : undefined;
      // OBS measures text when it draws it; an estimate from the font keeps the item near its size.
      const fontSizePx = num(font.size, gdi ? 36 : 32);
      const lines = str(s.text).split('\n');
      const estimate = { width: Math.max(1, Math.round(Math.max(...lines.map((l) => l.length)) * fontSizePx * 0.6)), height: Math.round(lines.length * fontSizePx * 1.2) };
      notes.push(`size estimated from the font as ${estimate.width}x${estimate.height}`);
      return done({
        id,
        name,
        kind: 'text',
        settings: {
          text: str(s.text),
          fontFace: str(font.face) || (gdi ? 'Arial' : 'Sans Serif'),
          fontSizePx,
          bold: (flags & 1) !== 0,
          italic: (flags & 2) !== 0,
          color,
          ...(background === undefined ? {} : { backgroundColor: background }),
        },
      }, estimate);
    }
    case 'v4l2_input': {
      const packed = num(s.resolution, -1);
      const size = packed > 0 ? { width: packed >>> 16, height: packed & 0xffff } : null;
      const path = str(s.device_id);
      return done({ id, name, kind: 'video-device', settings: { ...device(path ? `v4l2:${path}` : null), role: 'camera', ...(size ?? {}) } }, size);
    }
    case 'dshow_input': {
      // "Friendly name:device path"; Uplink opens DirectShow devices by name.
      const deviceName = str(s.video_device_id).split(':')[0] ?? '';
      const size = num(s.res_type, 0) === 1 ? parseSize(str(s.resolution)) : null;
      return done({ id, name, kind: 'video-device', settings: { ...device(deviceName ? `dshow:video=${deviceName}` : null, deviceName || undefined), role: 'camera', ...(size ?? {}) }, audio }, size);
    }
    case 'av_capture_input':
    case 'av_capture_input_v2':
    case 'macos-avcapture':
    case 'macos-avcapture-fast': {
      // AVFoundation ids are indexes that change between computers: the device is found by name.
      const size = parseSize(str(s.preset).replace('AVCaptureSessionPreset', '')) ?? null;
      const deviceName = str(s.device_name) || undefined;
      return done({ id, name, kind: 'video-device', settings: { ...device(null, deviceName), role: 'camera', ...(size ?? {}) } }, size);
    }
    case 'pulse_input_capture':
    case 'pulse_output_capture': {
      const input = kind === 'pulse_input_capture';
      const value = str(s.device_id);
      // Desktop audio is the monitor of the output device.
      const ref = value === '' || value === 'default' ? null : `pulse:${value}${input ? '' : '.monitor'}`;
      return done({ id, name, kind: 'audio-device', settings: { ...device(ref), role: input ? 'microphone' : 'desktop-audio' }, audio: audio ?? defaultAudio() }, noVideo);
    }
    case 'alsa_input_capture': {
      const value = str(s.device_id);
      const ref = value === '' || value === 'default' ? null : `alsa:${value}`;
      return done({ id, name, kind: 'audio-device', settings: { ...device(ref), role: 'microphone' }, audio: audio ?? defaultAudio() }, noVideo);
    }
    case 'wasapi_input_capture':
    case 'wasapi_output_capture':
    case 'coreaudio_input_capture':
    case 'coreaudio_output_capture': {
      const input = kind.includes('input');
      const value = str(s.device_id);
      if (value !== '' && value !== 'default') notes.push(`device ${value} is an id of that computer: the default ${input ? 'microphone' : 'desktop audio'} is used`);
      return done({ id, name, kind: 'audio-device', settings: { device: null, role: input ? 'microphone' : 'desktop-audio' }, audio: audio ?? defaultAudio() }, noVideo);
    }
    case 'xshm_input':
    case 'xshm_input_v2':
    case 'xcomposite_input':
    case 'pipewire-desktop-capture-source':
    case 'pipewire-screen-capture-source':
    case 'pipewire-window-capture-source':
    case 'monitor_capture':
    case 'display_capture':
    case 'screen_capture': {
      if (kind === 'xcomposite_input' || kind === 'pipewire-window-capture-source') notes.push('captures one window in OBS: imported as the whole screen');
      const cursor = bool(s.show_cursor ?? s.capture_cursor ?? s.ShowCursor, true);
      return done({ id, name, kind: 'screen', settings: { device: null, captureCursor: cursor } }, null);
    }
    default: {
      const label = PLACEHOLDER_LABELS[kind] ?? `${kind} (not supported by Uplink)`;
      const width = Math.round(num(s.width, 0));
      const height = Math.round(num(s.height, 0));
      const size = width > 0 && height > 0 ? { width, height } : null;
      return done(placeholder(id, name, kind, label, size ?? canvas), size, 'placeholder');
    }
  }
}

/**
 * One OBS source (its kind id, name and settings) as an Uplink source, with what is approximated: the
 * obs-websocket front creates inputs and changes their settings by OBS's kinds through this same mapping.
 */
export function sourceFromObs(obs: { id: string; name: string; settings: Record<string, unknown>; volume?: number; muted?: boolean }, canvas: Canvas): { source: Source; status: ImportStatus; notes: string[] } {
  const converted = convertSource(obs, 'new', canvas);
  return { source: converted.source, status: converted.status, notes: converted.notes };
}

const PLACEHOLDER_LABELS: Record<string, string> = {
  browser_source: 'Browser source (not supported yet)',
  game_capture: 'Game capture (Windows only, not supported)',
  window_capture: 'Window capture (not supported)',
  wasapi_process_output_capture: 'Application audio capture (not supported)',
  slideshow: 'Image slide show (not supported yet)',
  vlc_source: 'VLC video source (not supported)',
};

function placeholder(id: string, name: string, obsKind: string, label: string, size: Size): Source {
  return { id, name, kind: 'placeholder', settings: { obsKind, label, width: Math.max(1, size.width), height: Math.max(1, size.height) } };
}

/**
 * OBS's mixer channels that belong to no scene ("Desktop Audio", "Mic/Aux") play in every scene: they
 * become sources with an item in each scene.
 */
function globalAudio(input: Json, report: ImportReport): Json[] {
  const out: Json[] = [];
  for (const key of ['DesktopAudioDevice1', 'DesktopAudioDevice2', 'AuxAudioDevice1', 'AuxAudioDevice2', 'AuxAudioDevice3', 'AuxAudioDevice4']) {
    const source = input[key];
    if (!isObject(source)) continue;
    out.push(source);
    report.notes.push(`global audio "${str(source.name)}" plays in every scene in OBS: imported as a source in no scene, add it to the scenes that need it`);
  }
  return out;
}

function audioOf(obs: Json): AudioSettings | undefined {
  const volume = num(obs.volume, 1);
  const muted = bool(obs.muted, false);
  if (volume === 1 && !muted && obs.volume === undefined) return undefined;
  return { volumeDb: linearToDb(volume), muted };
}

function defaultAudio(): AudioSettings {
  return { volumeDb: 0, muted: false };
}

/** OBS keeps volume as a linear multiplier; Uplink in dB, with SILENT_DB for silence. */
export function linearToDb(volume: number): number {
  if (!(volume > 0)) return SILENT_DB;
  return Math.min(26, Math.max(SILENT_DB, Math.round(20 * Math.log10(volume) * 100) / 100));
}

/** OBS colours are 0xAABBGGRR integers. */
export function abgr(value: number): string {
  const hex = (n: number): string => (n & 0xff).toString(16).padStart(2, '0');
  const v = value >>> 0;
  const rgb = `#${hex(v)}${hex(v >>> 8)}${hex(v >>> 16)}`;
  const alpha = v >>> 24;
  return alpha === 0xff ? rgb : `${rgb}${hex(alpha)}`;
}

function withOpacity(bgr: number, opacity: number): string {
  const alpha = Math.round((Math.min(100, Math.max(0, opacity)) / 100) * 255);
  return abgr(((alpha << 24) | (bgr & 0xffffff)) >>> 0);
}

function transition(input: Json, report: ImportReport): Transition {
  const name = str(input.current_transition);
  const durationMs = Math.round(Math.min(10_000, Math.max(0, num(input.transition_duration, DEFAULT_TRANSITION.durationMs))));
  const custom = Array.isArray(input.transitions) ? input.transitions.filter(isObject).find((t) => str(t.name) === name) : undefined;
  const obsKind = custom === undefined ? '' : str(custom.id);
  if (obsKind === 'cut_transition' || (custom === undefined && /^cut$/i.test(name))) return { kind: 'cut', durationMs };
  if (obsKind !== '' && obsKind !== 'fade_transition') report.notes.push(`transition "${name}" (${obsKind}) imported as a fade`);
  return { kind: 'fade', durationMs };
}

/**
 * The canvas of an OBS profile, from its basic.ini: [Video] BaseCX, BaseCY, and the frame rate as OBS's
 * three ways of giving it (FPSType 0: FPSCommon, 1: FPSInt, 2: FPSNum/FPSDen).
 */
export function canvasFromBasicIni(text: string): Canvas {
  const video = new Map<string, string>();
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const header = /^\[(.+)\]$/.exec(line);
    if (header) section = header[1]!;
    else if (section === 'Video' && line.includes('=')) {
      const at = line.indexOf('=');
      video.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
    }
  }
  const int = (key: string): number | undefined => {
    const value = Number(video.get(key));
    return Number.isInteger(value) && value > 0 ? value : undefined;
  };
  const width = int('BaseCX');
  const height = int('BaseCY');
  if (width === undefined || height === undefined) {
    throw new UplinkError('OBS_PROFILE_INVALID', 'this basic.ini has no [Video] BaseCX and BaseCY: give the canvas as --canvas WIDTHxHEIGHT');
  }
  let fps = 30;
  const type = video.get('FPSType') ?? '0';
  if (type === '1') fps = int('FPSInt') ?? 30;
  else if (type === '2') fps = (int('FPSNum') ?? 30) / (int('FPSDen') ?? 1);
  else {
    const common = Number.parseFloat(video.get('FPSCommon') ?? '30');
    if (common > 0) fps = common;
  }
  return { width, height, fps: Math.round(fps * 1000) / 1000 };
}

class IdAllocator {
  private readonly used = new Set<string>();

  /** A readable id from a name, unique across the collection. */
  take(name: string): string {
    const base = name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'source';
    let id = base;
    for (let n = 2; this.used.has(id); n++) id = `${base}-${n}`;
    this.used.add(id);
    return id;
  }
}

function parseSize(text: string): Size | null {
  const m = /^(\d+)x(\d+)$/.exec(text.trim());
  return m ? { width: Number(m[1]), height: Number(m[2]) } : null;
}

function itemsOf(source: Json): Json[] {
  const items = settings(source).items;
  return Array.isArray(items) ? items.filter(isObject) : [];
}

function settings(source: Json): Json {
  return isObject(source.settings) ? source.settings : {};
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : fallback;
}

function num(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function bool(value: unknown, fallback: boolean): boolean {
  return typeof value === 'boolean' ? value : fallback;
}

function vec(value: unknown, fallback: number): { x: number; y: number } {
  return isObject(value) ? { x: num(value.x, fallback), y: num(value.y, fallback) } : { x: fallback, y: fallback };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** The local files OBS sources show (images, media files), by source name: their sizes are not saved. */
export function obsSourceFiles(input: unknown): { name: string; file: string }[] {
  if (!isObject(input) || !Array.isArray(input.sources)) return [];
  return input.sources.filter(isObject).flatMap((source) => {
    const s = settings(source);
    const file = source.id === 'image_source' ? str(s.file) : source.id === 'ffmpeg_source' && s.is_local_file !== false ? str(s.local_file) : '';
    return file === '' ? [] : [{ name: str(source.name), file }];
  });
}

/** The report as lines for a terminal: a summary, then each scene and source with what happened to it. */
export function formatImportReport(report: ImportReport): string[] {
  const count = (status: ImportStatus): number => report.sources.filter((s) => s.status === status).length;
  const lines = [
    `${report.scenes.length} scenes, ${report.sources.length} sources: ${count('imported')} imported as they are, ${count('approximated')} approximated, ${count('placeholder')} placeholders`,
  ];
  for (const note of report.notes) lines.push(`note: ${note}`);
  for (const scene of report.scenes) {
    lines.push(`scene "${scene.name}": ${scene.items} items`);
    for (const note of scene.notes) lines.push(`  approximated: ${note}`);
  }
  for (const source of report.sources) {
    lines.push(`source "${source.name}" (${source.obsKind}): ${source.status === 'placeholder' ? 'placeholder' : `${source.as}${source.status === 'approximated' ? ', approximated' : ''}`}`);
    for (const note of source.notes) lines.push(`  ${note}`);
  }
  return lines;
}
