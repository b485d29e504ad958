/**
 * From a scene collection to what the compositor runs: which sources are fed by their own capture
 * process and which are drawn inside the graph, at what frame size, and the slot states and gains of a
 * scene. Pure: device lists and probed file sizes come in as arguments.
 */
import type { CaptureApi, CaptureDevice } from '../../contract.js';
import { filter } from '../capture/filtergraph.js';
import { inputForSource } from '../capture/sources.js';
import type { FfmpegInput } from '../ffmpeg/argv.js';
import { type AudioSourcePlan, type CanvasSpec, type CompositionState, PARKED, SAMPLE_RATE, type SlotState, type VideoSourcePlan } from './graph.js';
import { type Size, flattenScene, hasAudio } from './layout.js';
import type { AudioSettings, Collection, Source } from './model.js';

/** What the capture side of one source is: opened by its own FFmpeg, fed through the relay. */
export interface FeedPlan {
  sourceId: string;
  name: string;
  input: FfmpegInput;
  video?: Size;
  audio: boolean;
  onEnd: 'loop' | 'hold';
}

export interface SourcePlan {
  sourceId: string;
  /** The picture's own size (crop is in these pixels); undefined without a picture. */
  natural?: Size;
  /** The size the compositor gets it at (fitted into the canvas). */
  frame?: Size;
}

export interface CompositorPlan {
  canvas: CanvasSpec;
  video: VideoSourcePlan[];
  audio: AudioSourcePlan[];
  feeds: FeedPlan[];
  sources: Map<string, SourcePlan>;
  /** Slots per layer: room for the largest scene and some to spare, so adding an item needs no new graph. */
  slots: number;
}

export interface PlanContext {
  /** Devices found by discovery; a device not among them is still opened by its id (it may come back). */
  devices: readonly CaptureDevice[];
  /** Probed sizes of image and media files (absent: not readable, drawn as a card). */
  fileSizes: ReadonlyMap<string, Size>;
  /** The length of media files that have one, in ms (for their position; the plan does not use it). */
  fileDurations?: ReadonlyMap<string, number>;
  fontFile?: string;
  /** FFmpeg has drawtext (builds without libfreetype do not): text is not drawn, cards carry no label. */
  drawtext?: boolean;
}

/** Slots kept free beyond the largest scene. */
export const SPARE_SLOTS = 4;

const even = (n: number): number => Math.max(2, 2 * Math.round(n / 2));

/** A size fitted inside the canvas keeping its aspect (never enlarged), in even pixels for yuv420p. */
export function fitInto(size: Size, canvas: Size): Size {
  const scale = Math.min(1, canvas.width / size.width, canvas.height / size.height);
  return { width: even(size.width * scale), height: even(size.height * scale) };
}

/** The colour of a card drawn where a source cannot be shown (placeholder, unreadable file). */
const CARD = '0x23262e';

function colorArg(color: string): string {
  const hex = color.replace('#', '');
  const alpha = hex.length === 8 ? `@${(parseInt(hex.slice(6), 16) / 255).toFixed(3)}` : '';
  return `0x${hex.slice(0, 6)}${alpha}`;
}

/** A generated picture that never changes: made once and repeated, so drawtext and decoding run once. */
function still(chain: string, fps: number): string {
  return `${chain},loop=loop=-1:size=1,setpts=N/(${fps}*TB)`;
}

/**
 * How big a text source is drawn: an estimate from its longest line and line count (drawtext's real
 * extent depends on the font). The one estimate the plan draws at and the edits place and crop by.
 */
export function textSize(text: string, fontSizePx: number): Size {
  const lines = text.split('\n');
  const longest = Math.max(1, ...lines.map((line) => line.length));
  return { width: even(longest * fontSizePx * 0.62 + fontSizePx / 2), height: even(lines.length * fontSizePx * 1.3) };
}

function drawText(options: Array<readonly [string, string | number]>, context: PlanContext): string {
  if (context.drawtext === false) return 'null';
  return filter('drawtext', [...(context.fontFile ? [['fontfile', context.fontFile] as const] : []), ['expansion', 'none'], ...options]);
}

/** A card's label size: a twelfth of its height, smaller when the label would not fit its width (textSize's estimate). */
export function cardFontSize(label: string, size: Size): number {
  const longest = Math.max(1, ...label.split('\n').map((line) => line.length));
  return Math.max(8, Math.round(Math.min(size.height / 12, (size.width * 0.9) / (longest * 0.62))));
}

function card(label: string, size: Size, fps: number, context: PlanContext): string {
  const fontSize = cardFontSize(label, size);
  return still(
    `${filter('color', [['c', CARD], ['s', `${size.width}x${size.height}`], ['r', fps]])},` +
      drawText([['text', label], ['fontsize', fontSize], ['fontcolor', 'white'], ['x', '(w-tw)/2'], ['y', '(h-th)/2']], context),
    fps,
  );
}

/** A capture device named in a collection, as discovery found it, or rebuilt from its id. */
export function findDevice(ref: { device: string | null; deviceName?: string }, kind: CaptureDevice['kind'], devices: readonly CaptureDevice[]): CaptureDevice | undefined {
  const ofKind = devices.filter((d) => d.kind === kind);
  if (ref.device === null) return ofKind[0];
  const found = ofKind.find((d) => d.id === ref.device) ?? ofKind.find((d) => ref.deviceName !== undefined && d.name === ref.deviceName);
  if (found) return found;
  const api = ref.device.slice(0, ref.device.indexOf(':')) as CaptureApi;
  if (!['dshow', 'avfoundation', 'v4l2', 'pulse', 'alsa', 'x11grab', 'gdigrab'].includes(api)) return undefined;
  return { id: ref.device, name: ref.deviceName ?? ref.device, kind, api };
}

interface Planned {
  natural?: Size;
  frame?: Size;
  video?: VideoSourcePlan['origin'];
  audio?: AudioSourcePlan['origin'];
  feed?: Omit<FeedPlan, 'sourceId' | 'name' | 'video' | 'audio'>;
}

function planSource(source: Source, canvas: CanvasSpec, context: PlanContext): Planned {
  const { fps } = canvas;
  const canvasSize = { width: canvas.width, height: canvas.height };
  const feed = (input: FfmpegInput, natural: Size | undefined, audio: boolean, onEnd: 'loop' | 'hold' = 'hold'): Planned => ({
    ...(natural ? { natural, frame: fitInto(natural, canvasSize), video: { feed: true } as const } : {}),
    ...(audio ? { audio: { feed: true } as const } : {}),
    feed: { input, onEnd },
  });
  const inputOptions = { width: canvas.width, height: canvas.height, fps, sampleRate: SAMPLE_RATE };
  const missingCard = (label: string, natural: Size): Planned => ({ natural, frame: fitInto(natural, canvasSize), video: { feed: false, chain: card(label, fitInto(natural, canvasSize), fps, context) } });

  switch (source.kind) {
    case 'video-device':
    case 'screen': {
      const device = findDevice(source.settings, source.kind === 'screen' ? 'screen' : 'video', context.devices);
      const format = device?.formats?.[0];
      const natural =
        source.kind === 'video-device' && source.settings.width && source.settings.height
          ? { width: source.settings.width, height: source.settings.height }
          : format
            ? { width: format.width, height: format.height }
            : canvasSize;
      if (!device) return missingCard(`${source.name}: no such device`, natural);
      return feed(inputForSource({ kind: 'device', device }, inputOptions), natural, source.kind === 'video-device' && source.audio !== undefined);
    }
    case 'audio-device': {
      const device = findDevice(source.settings, 'audio', context.devices);
      return device ? feed(inputForSource({ kind: 'device', device }, inputOptions), undefined, true) : {};
    }
    case 'media': {
      const natural = context.fileSizes.get(source.settings.file);
      if (natural === undefined) return missingCard(`${source.name}: cannot read the file`, canvasSize);
      const input: FfmpegInput = { args: [], url: source.settings.file, kind: 'video' };
      return feed(input, natural.width > 0 ? natural : undefined, source.audio !== undefined, source.settings.loop ? 'loop' : 'hold');
    }
    case 'network':
      return feed({ args: ['-rw_timeout', '10000000'], url: source.settings.url, kind: 'video' }, canvasSize, source.audio !== undefined);
    case 'image': {
      const natural = context.fileSizes.get(source.settings.file);
      if (natural === undefined || natural.width === 0) return missingCard(`${source.name}: cannot read the image`, canvasSize);
      const frame = fitInto(natural, canvasSize);
      const chain = still(`${filter('movie', [['filename', source.settings.file]])},scale=${frame.width}:${frame.height},format=yuva420p`, fps);
      return { natural, frame, video: { feed: false, chain } };
    }
    case 'color': {
      // A plain colour looks the same at any size and crop: made tiny, scaled up in its slot.
      const frame = { width: 16, height: 16 };
      return { natural: { width: source.settings.width, height: source.settings.height }, frame, video: { feed: false, chain: still(filter('color', [['c', colorArg(source.settings.color)], ['s', '16x16'], ['r', fps]]), fps) } };
    }
    case 'text': {
      const { text, fontSizePx, fontFace, bold, italic, color, backgroundColor } = source.settings;
      const natural = textSize(text, fontSizePx);
      const frame = fitInto(natural, canvasSize);
      const scale = frame.width / natural.width;
      const font = [fontFace || 'Sans', bold ? 'weight=bold' : '', italic ? 'slant=italic' : ''].filter(Boolean).join(':');
      const background = backgroundColor ? colorArg(backgroundColor) : 'black@0';
      const chain =
        `${filter('color', [['c', background], ['s', `${frame.width}x${frame.height}`], ['r', fps]])},format=yuva420p,` +
        drawText([['text', text], ['font', font], ['fontsize', Math.max(1, Math.round(fontSizePx * scale))], ['fontcolor', colorArg(color)], ['x', String(Math.round(fontSizePx * scale) / 4)], ['y', '0']], context);
      return { natural, frame, video: { feed: false, chain: still(chain, fps) } };
    }
    case 'test-pattern':
      return { natural: canvasSize, frame: canvasSize, video: { feed: false, chain: filter('testsrc2', [['s', `${canvas.width}x${canvas.height}`], ['r', fps]]) } };
    case 'tone':
      return { audio: { feed: false, chain: filter('sine', [['frequency', source.settings.frequencyHz], ['sample_rate', SAMPLE_RATE]]) } };
    case 'placeholder': {
      const natural = { width: source.settings.width, height: source.settings.height };
      return missingCard(source.settings.label, natural);
    }
  }
}

/** Every source of the collection, planned; the slots fit the largest scene with room to spare. */
export function planCompositor(collection: Collection, canvas: CanvasSpec, context: PlanContext): CompositorPlan {
  const video: VideoSourcePlan[] = [];
  const audio: AudioSourcePlan[] = [];
  const feeds: FeedPlan[] = [];
  const sources = new Map<string, SourcePlan>();
  for (const source of collection.sources) {
    const planned = planSource(source, canvas, context);
    sources.set(source.id, { sourceId: source.id, ...(planned.natural ? { natural: planned.natural } : {}), ...(planned.frame ? { frame: planned.frame } : {}) });
    if (planned.video && planned.frame) video.push({ sourceId: source.id, size: planned.frame, origin: planned.video });
    if (planned.audio && hasAudio(source)) audio.push({ sourceId: source.id, origin: planned.audio });
    if (planned.feed) {
      feeds.push({
        sourceId: source.id,
        name: source.name,
        ...planned.feed,
        ...(planned.video?.feed && planned.frame ? { video: planned.frame } : {}),
        audio: planned.audio?.feed === true && hasAudio(source),
      });
    }
  }
  while (video.length < 2) {
    // streamselect takes two inputs or more; with fewer sources, black stands in (never shown).
    video.push({ sourceId: '', size: { width: 16, height: 16 }, origin: { feed: false, chain: still(`color=c=black:s=16x16:r=${canvas.fps}`, canvas.fps) } });
  }
  const sizeOf = sizeLookup(sources);
  const largest = Math.max(0, ...collection.scenes.map((scene) => flattenScene(collection, scene.id, sizeOf).layers.length));
  return { canvas, video, audio, feeds, sources, slots: largest + SPARE_SLOTS };
}

function sizeLookup(sources: ReadonlyMap<string, SourcePlan>): (id: string) => Size | undefined {
  return (id) => sources.get(id)?.natural;
}

export const dbToGain = (db: number): number => (db <= -100 ? 0 : 10 ** (db / 20));

function audioSettings(source: Source | undefined): AudioSettings | undefined {
  return source && 'audio' in source ? source.audio : undefined;
}

/**
 * The slot states that draw `sceneId`, and the gain of every audio source with that scene on air. An
 * error when the scene needs more slots than the graph has: the caller builds a bigger graph.
 */
export function sceneSlots(collection: Collection, sceneId: string, plan: CompositorPlan): SlotState[] | undefined {
  const flat = flattenScene(collection, sceneId, sizeLookup(plan.sources));
  if (flat.layers.length > plan.slots) return undefined;
  const index = new Map(plan.video.map((source, i) => [source.sourceId, i]));
  const slots: SlotState[] = flat.layers.map((layer) => {
    const source = plan.sources.get(layer.sourceId)!;
    const sx = source.frame!.width / source.natural!.width;
    const sy = source.frame!.height / source.natural!.height;
    const x = Math.min(source.frame!.width - 1, Math.round(layer.source.x * sx));
    const y = Math.min(source.frame!.height - 1, Math.round(layer.source.y * sy));
    const crop = {
      x,
      y,
      width: Math.max(1, Math.min(source.frame!.width - x, Math.round(layer.source.width * sx))),
      height: Math.max(1, Math.min(source.frame!.height - y, Math.round(layer.source.height * sy))),
    };
    return { visible: true, source: index.get(layer.sourceId) ?? 0, crop, box: layer.box };
  });
  while (slots.length < plan.slots) slots.push(PARKED);
  return slots;
}

/** The gain of each planned audio source with `sceneId` on air: heard in the scene, not muted, at its volume. */
export function sceneGains(collection: Collection, sceneId: string, plan: CompositorPlan): number[] {
  const audible = new Set(flattenScene(collection, sceneId, sizeLookup(plan.sources)).audible);
  const byId = new Map(collection.sources.map((s) => [s.id, s]));
  return plan.audio.map(({ sourceId }) => {
    const settings = audioSettings(byId.get(sourceId));
    if (!audible.has(sourceId) || !settings || settings.muted) return 0;
    return dbToGain(settings.volumeDb);
  });
}

/** The master fader's linear gain: 0 when muted, 1 for a collection without master settings. */
export function masterGain(collection: Collection): number {
  const master = collection.master;
  if (!master) return 1;
  return master.muted ? 0 : dbToGain(master.volumeDb);
}

/** The whole composition with `sceneId` on air and no fade running. */
export function programState(collection: Collection, sceneId: string, plan: CompositorPlan): CompositionState | undefined {
  const slots = sceneSlots(collection, sceneId, plan);
  if (!slots) return undefined;
  return { layers: [slots, Array.from({ length: plan.slots }, () => PARKED)], fadeOpacity: 1, gains: sceneGains(collection, sceneId, plan), master: masterGain(collection) };
}
