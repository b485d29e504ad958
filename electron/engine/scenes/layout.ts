/**
 * Flattens a scene, with its nested scenes, into the flat list of layers the compositor draws (each a
 * rectangle of one source's frame scaled into a rectangle of the canvas), and lists the sources heard.
 *
 * The compositor never sees nesting: a nested scene's items are mapped straight onto the program canvas
 * and clipped by everything that encloses them, so one FFmpeg graph of crop + scale + overlay draws any
 * scene. Clipping is done here rather than left to the overlay because FFmpeg's scaler and overlay need
 * whole, non-empty, in-frame rectangles, and a nested scene's crop must hide what lies outside it.
 */
import type { Collection, Scene, SceneItem, Source } from './model.js';

export interface Size {
  width: number;
  height: number;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Layer {
  /** Item ids from the top scene down to the item, joined with '/': unique within the flattened scene; stable across calls. */
  path: string;
  sourceId: string;
  /** Where it is drawn on the canvas, in whole canvas pixels, already clipped to the canvas (nothing outside 0..canvas). */
  box: Rect;
  /**
   * The part of the source's frame drawn into box: left/top/width/height in the source's pixels (whole
   * pixels, within the frame), i.e. the item's crop plus whatever the canvas edge or a nested scene's
   * crop cut off.
   */
  source: Rect;
}

export interface FlatScene {
  /** Bottom first. */
  layers: Layer[];
  /** Source ids whose sound plays: a source with audio reached through visible items; each once; in first-seen order. */
  audible: string[];
}

/**
 * Whether a source has sound in the mixer: audio-device and tone always; video-device, media, network,
 * placeholder when their `audio` field is present. Volume and mute are the mixer's business, so a muted
 * source still has sound here (its meter keeps moving, as in OBS).
 */
export function hasAudio(source: Source): boolean {
  switch (source.kind) {
    case 'audio-device':
    case 'tone':
      return true;
    case 'video-device':
    case 'media':
    case 'network':
    case 'placeholder':
      return source.audio !== undefined;
    // Listed rather than defaulted, so that a new kind has to decide whether it is heard.
    case 'screen':
    case 'image':
    case 'color':
    case 'text':
    case 'test-pattern':
      return false;
  }
}

/** One axis of a mapping into top-canvas pixels: top = scale * local + offset. */
interface AxisMap {
  scale: number;
  offset: number;
}

/** A half-open interval [start, end) on one axis, in top-canvas pixels (fractional until the end). */
interface Span {
  start: number;
  end: number;
}

/**
 * Where a scene's canvas lands on the top canvas, and what of it may show there. Absent for a nested
 * scene that shows nothing (zero box, crop removes all, clipped away): it is still walked for sound.
 */
interface Placement {
  x: AxisMap;
  y: AxisMap;
  clipX: Span;
  clipY: Span;
}

/** An item's geometry along one axis: its box, its crop, and its frame's size (all in the item's own terms). */
interface AxisItem {
  pos: number;
  length: number;
  cropStart: number;
  cropEnd: number;
  frame: number;
}

/** A flattened scene's layers and sounds; throws when `sceneId` names no scene. */
export function flattenScene(collection: Collection, sceneId: string, sizeOf: (sourceId: string) => Size | undefined): FlatScene {
  const scenes = new Map(collection.scenes.map((scene) => [scene.id, scene]));
  const sources = new Map(collection.sources.map((source) => [source.id, source]));
  const top = scenes.get(sceneId);
  if (top === undefined) throw new Error(`no scene "${sceneId}"`);

  const canvas = collection.canvas;
  const layers: Layer[] = [];
  const audible: string[] = [];
  const heard = new Set<string>();

  const walk = (scene: Scene, prefix: string, place: Placement | undefined, enclosing: ReadonlySet<string>): void => {
    for (const item of scene.items) {
      if (!item.visible) continue;
      const path = prefix === '' ? item.id : `${prefix}/${item.id}`;
      const nested = scenes.get(item.sourceId);
      if (nested !== undefined) {
        // A validated collection has no cycles; an unvalidated one must still not recurse forever.
        if (enclosing.has(nested.id)) continue;
        const inner = place === undefined ? undefined : placeItem(place, item, canvas);
        walk(nested, path, inner, new Set([...enclosing, nested.id]));
        continue;
      }
      const source = sources.get(item.sourceId);
      if (source === undefined) continue;
      if (hasAudio(source) && !heard.has(source.id)) {
        heard.add(source.id);
        audible.push(source.id);
      }
      if (place === undefined) continue;
      const size = sizeOf(source.id);
      if (size === undefined) continue;
      const layer = layerOf(place, item, size, path);
      if (layer !== undefined) layers.push(layer);
    }
  };

  const whole: Placement = {
    x: { scale: 1, offset: 0 },
    y: { scale: 1, offset: 0 },
    clipX: { start: 0, end: canvas.width },
    clipY: { start: 0, end: canvas.height },
  };
  walk(top, '', whole, new Set([top.id]));
  return { layers, audible };
}

/** Where an item's frame lands on the top canvas and which part of it may show; undefined when none does. */
function placeItem(parent: Placement, item: SceneItem, frame: Size): Placement | undefined {
  const x = placeAxis(parent.x, parent.clipX, { pos: item.x, length: item.width, cropStart: item.crop.left, cropEnd: item.crop.right, frame: frame.width });
  const y = placeAxis(parent.y, parent.clipY, { pos: item.y, length: item.height, cropStart: item.crop.top, cropEnd: item.crop.bottom, frame: frame.height });
  if (x === undefined || y === undefined) return undefined;
  return { x: x.map, y: y.map, clipX: x.clip, clipY: y.clip };
}

/**
 * The crop's remaining part of the frame fills the box, so a frame pixel p lands at
 * pos + (p - cropStart) * length / shown in the parent scene, then through the parent's own mapping.
 * What shows is the box (which is exactly the cropped frame) within the parent's clip: for a nested
 * scene this is how its crop, and its own canvas edge, hide what its items draw beyond them.
 */
function placeAxis(parent: AxisMap, clip: Span, axis: AxisItem): { map: AxisMap; clip: Span } | undefined {
  const shown = axis.frame - axis.cropStart - axis.cropEnd;
  if (!(shown > 0) || !(axis.length > 0)) return undefined;
  const stretch = axis.length / shown;
  const map = { scale: parent.scale * stretch, offset: parent.offset + parent.scale * (axis.pos - axis.cropStart * stretch) };
  const start = Math.max(clip.start, parent.offset + parent.scale * axis.pos);
  const end = Math.min(clip.end, parent.offset + parent.scale * (axis.pos + axis.length));
  if (!(end > start) || !Number.isFinite(map.scale) || !Number.isFinite(map.offset)) return undefined;
  return { map, clip: { start, end } };
}

function layerOf(parent: Placement, item: SceneItem, size: Size, path: string): Layer | undefined {
  const place = placeItem(parent, item, size);
  if (place === undefined) return undefined;
  const x = wholeAxis(place.x, place.clipX, item.crop.left, size.width - item.crop.right);
  const y = wholeAxis(place.y, place.clipY, item.crop.top, size.height - item.crop.bottom);
  if (x === undefined || y === undefined) return undefined;
  return {
    path,
    sourceId: item.sourceId,
    box: { x: x.box.start, y: y.box.start, width: x.box.end - x.box.start, height: y.box.end - y.box.start },
    source: { x: x.source.start, y: y.source.start, width: x.source.end - x.source.start, height: y.source.end - y.source.start },
  };
}

/**
 * The shown span on one axis as whole canvas pixels, and the frame pixels that belong there. Both are
 * taken from the exact (fractional) shown span and each edge rounded on its own, so neither rounding
 * drifts the other; the frame edges stay within the crop, which lies within the frame.
 */
function wholeAxis(map: AxisMap, shown: Span, frameStart: number, frameEnd: number): { box: Span; source: Span } | undefined {
  const box = { start: roundPx(shown.start), end: roundPx(shown.end) };
  const source = {
    start: clamp(roundPx((shown.start - map.offset) / map.scale), frameStart, frameEnd),
    end: clamp(roundPx((shown.end - map.offset) / map.scale), frameStart, frameEnd),
  };
  // Negated so that NaN from a degenerate item also drops the layer.
  if (!(box.end - box.start >= 1) || !(source.end - source.start >= 1)) return undefined;
  return { box, source };
}

/**
 * Rounds to the nearest whole pixel after snapping to a fine grid, so that a value meant to be exactly
 * k + 0.5 but computed a hair below it (composed scales) rounds the same way every time.
 */
function roundPx(value: number): number {
  return Math.round(Math.round(value * 4096) / 4096);
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
