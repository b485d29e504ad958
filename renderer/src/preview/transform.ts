/**
 * The preview's direct manipulation as pure functions: moving with snapping, resizing from a handle,
 * Alt-cropping, nudging, and the context menu's fit / center / reset. Everything is in canvas pixels;
 * the component converts pointer movement into canvas pixels first and sends the result as an
 * `updateItem` patch. Kept pure so that the feel of the editor (thresholds, aspect, clamping) is tested
 * without a pointer.
 */
import type { Crop } from '../../../electron/contract.js';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Size {
  width: number;
  height: number;
}

export type Handle = 'nw' | 'n' | 'ne' | 'e' | 'se' | 's' | 'sw' | 'w';
export const HANDLES: readonly Handle[] = ['nw', 'n', 'ne', 'e', 'se', 's', 'sw', 'w'];

/** Lines a moving edge may snap to: canvas x / y positions. */
export interface Guides {
  xs: number[];
  ys: number[];
}

/** Below this an item can no longer be grabbed in the preview; OBS stops shrinking at a similar size. */
export const MIN_SIZE = 8;

/** The canvas edges and centre, and the edges and centres of the other items. */
export function snapGuides(canvas: Size, others: readonly Rect[]): Guides {
  const xs = [0, canvas.width / 2, canvas.width];
  const ys = [0, canvas.height / 2, canvas.height];
  for (const r of others) {
    xs.push(r.x, r.x + r.width / 2, r.x + r.width);
    ys.push(r.y, r.y + r.height / 2, r.y + r.height);
  }
  return { xs, ys };
}

/** The nearest guide within `threshold` of any of `points`: the shift to apply and the guide hit. */
function nearest(points: readonly number[], lines: readonly number[], threshold: number): { shift: number; line: number } | null {
  let best: { shift: number; line: number } | null = null;
  for (const p of points) {
    for (const line of lines) {
      const shift = line - p;
      if (Math.abs(shift) <= threshold && (!best || Math.abs(shift) < Math.abs(best.shift))) best = { shift, line };
    }
  }
  return best;
}

export interface SnapOptions {
  guides: Guides;
  /** In canvas pixels; the component passes ~8 screen pixels converted to canvas pixels. */
  threshold: number;
  /** False while Shift is held: the item goes exactly where the pointer says. */
  enabled: boolean;
}

export interface MoveResult {
  rect: Rect;
  /** The guide lines the item snapped to, for the preview to draw. */
  snappedX: number | null;
  snappedY: number | null;
}

/** Moves `start` by the pointer's delta; its left, centre or right (top, middle, bottom) snap to a guide. */
export function dragMove(start: Rect, dx: number, dy: number, snap: SnapOptions): MoveResult {
  const rect = { ...start, x: start.x + dx, y: start.y + dy };
  if (!snap.enabled) return { rect, snappedX: null, snappedY: null };
  const sx = nearest([rect.x, rect.x + rect.width / 2, rect.x + rect.width], snap.guides.xs, snap.threshold);
  const sy = nearest([rect.y, rect.y + rect.height / 2, rect.y + rect.height], snap.guides.ys, snap.threshold);
  if (sx) rect.x += sx.shift;
  if (sy) rect.y += sy.shift;
  return { rect, snappedX: sx?.line ?? null, snappedY: sy?.line ?? null };
}

export interface ResizeOptions {
  /** Corner handles keep the item's aspect ratio (as OBS does); edge handles stretch one side. */
  keepAspect: boolean;
  snap: SnapOptions;
}

/**
 * Resizes from a handle: the opposite edge or corner stays put. The moving edges snap to guides first,
 * then the aspect ratio is restored from whichever side moved more, so a snapped corner may land just off
 * the guide on the other axis rather than distort the picture.
 */
export function resize(start: Rect, handle: Handle, dx: number, dy: number, options: ResizeOptions): Rect {
  let left = start.x;
  let top = start.y;
  let right = start.x + start.width;
  let bottom = start.y + start.height;
  const { snap } = options;
  const snapTo = (value: number, lines: number[]): number => {
    if (!snap.enabled) return value;
    const hit = nearest([value], lines, snap.threshold);
    return hit ? hit.line : value;
  };
  if (handle.includes('w')) left = snapTo(left + dx, snap.guides.xs);
  if (handle.includes('e')) right = snapTo(right + dx, snap.guides.xs);
  if (handle.includes('n')) top = snapTo(top + dy, snap.guides.ys);
  if (handle.includes('s')) bottom = snapTo(bottom + dy, snap.guides.ys);

  let width = Math.max(MIN_SIZE, right - left);
  let height = Math.max(MIN_SIZE, bottom - top);
  const corner = handle.length === 2;
  if (options.keepAspect && corner && start.width > 0 && start.height > 0) {
    const aspect = start.width / start.height;
    // Follow the side the pointer stretched more, relative to its length.
    if (width / start.width >= height / start.height) height = Math.max(MIN_SIZE, width / aspect);
    else width = Math.max(MIN_SIZE, height * aspect);
  }
  // Anchor the side opposite the handle.
  const x = handle.includes('w') ? start.x + start.width - width : start.x;
  const y = handle.includes('n') ? start.y + start.height - height : start.y;
  return { x, y, width, height };
}

export interface CropResult {
  rect: Rect;
  crop: Crop;
}

/**
 * Alt-drag on a handle: crops that side of the source instead of scaling it. The picture keeps its
 * scale, so the box shrinks (or grows back) by what is cut. `source` is the source's own size, which the
 * crop is counted in; the drag is in canvas pixels.
 */
export function cropDrag(start: Rect, startCrop: Crop, source: Size, handle: Handle, dx: number, dy: number): CropResult {
  const visibleW = source.width - startCrop.left - startCrop.right;
  const visibleH = source.height - startCrop.top - startCrop.bottom;
  // Canvas pixels per source pixel, as the item is drawn now.
  const scaleX = visibleW > 0 && start.width > 0 ? start.width / visibleW : 1;
  const scaleY = visibleH > 0 && start.height > 0 ? start.height / visibleH : 1;
  const crop = { ...startCrop };
  const rect = { ...start };
  const minVisible = 1;

  if (handle.includes('w')) {
    const maxLeft = source.width - crop.right - minVisible;
    const left = clamp(Math.round(startCrop.left + dx / scaleX), 0, maxLeft);
    const cut = (left - startCrop.left) * scaleX;
    crop.left = left;
    rect.x = start.x + cut;
    rect.width = start.width - cut;
  }
  if (handle.includes('e')) {
    const maxRight = source.width - crop.left - minVisible;
    const right = clamp(Math.round(startCrop.right - dx / scaleX), 0, maxRight);
    crop.right = right;
    rect.width = rect.width - (right - startCrop.right) * scaleX;
  }
  if (handle.includes('n')) {
    const maxTop = source.height - crop.bottom - minVisible;
    const top = clamp(Math.round(startCrop.top + dy / scaleY), 0, maxTop);
    const cut = (top - startCrop.top) * scaleY;
    crop.top = top;
    rect.y = start.y + cut;
    rect.height = start.height - cut;
  }
  if (handle.includes('s')) {
    const maxBottom = source.height - crop.top - minVisible;
    const bottom = clamp(Math.round(startCrop.bottom - dy / scaleY), 0, maxBottom);
    crop.bottom = bottom;
    rect.height = rect.height - (bottom - startCrop.bottom) * scaleY;
  }
  return { rect, crop };
}

/** Arrow keys move by one canvas pixel, ten with Shift (as in OBS). */
export function nudge(rect: Rect, key: string, large: boolean): Rect | null {
  const step = large ? 10 : 1;
  switch (key) {
    case 'ArrowLeft':
      return { ...rect, x: rect.x - step };
    case 'ArrowRight':
      return { ...rect, x: rect.x + step };
    case 'ArrowUp':
      return { ...rect, y: rect.y - step };
    case 'ArrowDown':
      return { ...rect, y: rect.y + step };
    default:
      return null;
  }
}

/** The largest box of the item's aspect ratio inside the canvas, centred (OBS's "Fit to screen"). */
export function fitToCanvas(rect: Size, canvas: Size): Rect {
  const aspect = rect.width > 0 && rect.height > 0 ? rect.width / rect.height : canvas.width / canvas.height;
  let width = canvas.width;
  let height = width / aspect;
  if (height > canvas.height) {
    height = canvas.height;
    width = height * aspect;
  }
  return { x: (canvas.width - width) / 2, y: (canvas.height - height) / 2, width, height };
}

export function centerOnCanvas(rect: Rect, canvas: Size): Rect {
  return { ...rect, x: (canvas.width - rect.width) / 2, y: (canvas.height - rect.height) / 2 };
}

/** The source at its own size in the top-left corner, uncropped (OBS's "Reset transform"). */
export function resetTransform(source: Size): Rect & { crop: Crop } {
  return { x: 0, y: 0, width: source.width, height: source.height, crop: { top: 0, right: 0, bottom: 0, left: 0 } };
}

/** Rounds to whole canvas pixels: what the compositor draws and what the item patch carries. */
export function roundRect(rect: Rect): Rect {
  return { x: Math.round(rect.x), y: Math.round(rect.y), width: Math.round(rect.width), height: Math.round(rect.height) };
}

/** The topmost visible item under a canvas point (items are listed bottom first). */
export function hitTest<T extends Rect & { visible: boolean }>(items: readonly T[], x: number, y: number): T | null {
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i]!;
    if (item.visible && x >= item.x && x <= item.x + item.width && y >= item.y && y <= item.y + item.height) return item;
  }
  return null;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
