import { describe, expect, it } from 'vitest';
import { centerOnCanvas, cropDrag, dragMove, fitToCanvas, hitTest, nudge, resetTransform, resize, snapGuides } from '../../renderer/src/preview/transform.js';

const canvas = { width: 1920, height: 1080 };
const guides = snapGuides(canvas, [{ x: 100, y: 100, width: 400, height: 300 }]);
const snap = { guides, threshold: 10, enabled: true };
const off = { ...snap, enabled: false };

describe('dragMove', () => {
  it('follows the pointer when nothing is near', () => {
    expect(dragMove({ x: 700, y: 500, width: 200, height: 100 }, 33, 21, snap).rect).toEqual({ x: 733, y: 521, width: 200, height: 100 });
  });

  it('snaps an edge to the canvas edge and reports the guide', () => {
    const r = dragMove({ x: 20, y: 600, width: 200, height: 100 }, -14, 0, snap);
    expect(r.rect.x).toBe(0);
    expect(r.snappedX).toBe(0);
    expect(r.snappedY).toBeNull();
  });

  it("snaps the item's centre to the canvas centre", () => {
    const r = dragMove({ x: 855, y: 483, width: 200, height: 100 }, 0, 0, snap);
    expect(r.rect.x + r.rect.width / 2).toBe(960);
    expect(r.rect.y + r.rect.height / 2).toBe(540);
  });

  it("snaps to another item's edge", () => {
    // Right edge of the other item is at 500: our left edge lands on it.
    const r = dragMove({ x: 506, y: 700, width: 100, height: 100 }, 0, 0, snap);
    expect(r.rect.x).toBe(500);
  });

  it('does not snap while Shift is held', () => {
    expect(dragMove({ x: 20, y: 600, width: 200, height: 100 }, -14, 0, off).rect.x).toBe(6);
  });
});

describe('resize', () => {
  const start = { x: 100, y: 100, width: 400, height: 225 };

  it('keeps the aspect ratio from a corner, anchoring the opposite corner', () => {
    const r = resize(start, 'se', 400, 0, { keepAspect: true, snap: off });
    expect(r).toEqual({ x: 100, y: 100, width: 800, height: 450 });
    const nw = resize(start, 'nw', -100, -10, { keepAspect: true, snap: off });
    expect(nw.x + nw.width).toBe(500);
    expect(nw.y + nw.height).toBeCloseTo(325);
    expect(nw.width / nw.height).toBeCloseTo(400 / 225);
  });

  it('stretches one side from an edge handle', () => {
    expect(resize(start, 'e', 50, 999, { keepAspect: true, snap: off })).toEqual({ x: 100, y: 100, width: 450, height: 225 });
    expect(resize(start, 'n', 0, 25, { keepAspect: true, snap: off })).toEqual({ x: 100, y: 125, width: 400, height: 200 });
  });

  it('snaps the moving edge to a guide', () => {
    const r = resize({ x: 1000, y: 600, width: 400, height: 200 }, 'e', 515, 0, { keepAspect: true, snap: { ...snap, guides: snapGuides(canvas, []) } });
    expect(r.x + r.width).toBe(1920);
  });

  it('never shrinks below the minimum size', () => {
    const r = resize(start, 'se', -1000, -1000, { keepAspect: false, snap: off });
    expect(r.width).toBe(8);
    expect(r.height).toBe(8);
  });
});

describe('cropDrag (Alt)', () => {
  const none = { top: 0, right: 0, bottom: 0, left: 0 };
  // A 1920x1080 source drawn at half size: one canvas pixel is two source pixels.
  const start = { x: 100, y: 100, width: 960, height: 540 };
  const source = { width: 1920, height: 1080 };

  it('crops the left side in source pixels and moves the box edge with it', () => {
    const r = cropDrag(start, none, source, 'w', 50, 0);
    expect(r.crop).toEqual({ top: 0, right: 0, bottom: 0, left: 100 });
    expect(r.rect).toEqual({ x: 150, y: 100, width: 910, height: 540 });
  });

  it('crops bottom and right from the se corner, keeping the scale', () => {
    const r = cropDrag(start, none, source, 'se', -100, -40);
    expect(r.crop).toEqual({ top: 0, right: 200, bottom: 80, left: 0 });
    expect(r.rect).toEqual({ x: 100, y: 100, width: 860, height: 500 });
  });

  it('uncrops back to zero and no further', () => {
    const r = cropDrag(start, { ...none, top: 20 }, source, 'n', 0, -500);
    expect(r.crop.top).toBe(0);
    expect(r.rect.y).toBeCloseTo(100 - 20 * (540 / 1060));
  });

  it('never crops the whole picture away', () => {
    const r = cropDrag(start, none, source, 'e', -5000, 0);
    expect(r.crop.right).toBe(1919);
    expect(r.rect.width).toBeGreaterThan(0);
  });
});

describe('nudge and placement', () => {
  const r = { x: 10, y: 10, width: 100, height: 50 };
  it('moves by one pixel, ten with Shift', () => {
    expect(nudge(r, 'ArrowLeft', false)).toMatchObject({ x: 9, y: 10 });
    expect(nudge(r, 'ArrowDown', true)).toMatchObject({ x: 10, y: 20 });
    expect(nudge(r, 'a', false)).toBeNull();
  });

  it('fits to the canvas keeping the aspect ratio, centred', () => {
    expect(fitToCanvas({ width: 400, height: 400 }, canvas)).toEqual({ x: 420, y: 0, width: 1080, height: 1080 });
    expect(fitToCanvas({ width: 1280, height: 720 }, canvas)).toEqual({ x: 0, y: 0, width: 1920, height: 1080 });
  });

  it('centres and resets', () => {
    expect(centerOnCanvas(r, canvas)).toEqual({ x: 910, y: 515, width: 100, height: 50 });
    expect(resetTransform({ width: 640, height: 480 })).toEqual({ x: 0, y: 0, width: 640, height: 480, crop: { top: 0, right: 0, bottom: 0, left: 0 } });
  });

  it('hits the topmost visible item', () => {
    const items = [
      { id: 'a', x: 0, y: 0, width: 100, height: 100, visible: true },
      { id: 'b', x: 50, y: 50, width: 100, height: 100, visible: true },
      { id: 'c', x: 50, y: 50, width: 100, height: 100, visible: false },
    ];
    expect(hitTest(items, 60, 60)?.id).toBe('b');
    expect(hitTest(items, 10, 10)?.id).toBe('a');
    expect(hitTest(items, 500, 500)).toBeNull();
  });
});
