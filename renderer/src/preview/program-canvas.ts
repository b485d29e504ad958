/**
 * The canvas that shows the program pictures: one per store (per page), painting from the store's first
 * picture on. main.tsx puts it on the frame of the studio in index.html before the studio's code (React
 * DOM, the panels) has loaded, so the first picture is on screen while that code still compiles; the
 * preview adopts the same element when it mounts (a canvas keeps its picture when it moves).
 *
 * Pictures are decoded only while the canvas is in the document: a studio that shows something else on
 * its stage (the welcome screen) spends nothing on them.
 */
import type { StoreApi } from 'zustand';
import type { AppState } from '../store.js';
import { PicturePainter, decodeJpeg } from './picture.js';

interface ProgramCanvas {
  canvas: HTMLCanvasElement;
  showLatest: () => void;
  /** Settles once a picture has been on screen (the frame that shows it has been produced). */
  shown: Promise<void>;
}

const canvases = new WeakMap<StoreApi<AppState>, ProgramCanvas>();

export function programCanvas(store: StoreApi<AppState>): HTMLCanvasElement {
  return programCanvasOf(store).canvas;
}

/** Settles when the first program picture is on screen. */
export function firstPictureShown(store: StoreApi<AppState>): Promise<void> {
  return programCanvasOf(store).shown;
}

/** Puts the program canvas into `parent` and shows the newest picture on it; returns the undo. */
export function attachProgramCanvas(store: StoreApi<AppState>, parent: Element, label: string): () => void {
  const { canvas, showLatest } = programCanvasOf(store);
  canvas.setAttribute('aria-label', label);
  parent.append(canvas);
  showLatest();
  return () => {
    if (canvas.parentNode === parent) canvas.remove();
  };
}

function programCanvasOf(store: StoreApi<AppState>): ProgramCanvas {
  const known = canvases.get(store);
  if (known) return known;
  const canvas = document.createElement('canvas');
  canvas.className = 'preview-img';
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', 'Program');
  const context = canvas.getContext('bitmaprenderer');
  let onShown = (): void => undefined;
  // After the frame that draws it: a task queued from requestAnimationFrame runs once that frame is out.
  const shown = new Promise<void>((resolve) => {
    onShown = () => requestAnimationFrame(() => setTimeout(resolve, 0));
  });
  const painter = new PicturePainter(canvas, decodeJpeg, (bitmap: ImageBitmap) => {
    context?.transferFromImageBitmap(bitmap);
    onShown();
    onShown = () => undefined;
  });
  const showLatest = (): void => {
    const latest = store.getState().preview;
    if (latest && canvas.isConnected) painter.show(latest);
  };
  store.subscribe((s, prev) => {
    if (s.preview !== prev.preview) showLatest();
  });
  const entry = { canvas, showLatest, shown };
  canvases.set(store, entry);
  return entry;
}
