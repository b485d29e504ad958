import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flattenScene, hasAudio, type Size } from '../../electron/engine/scenes/layout.js';
import { type Collection, COLLECTION_VERSION, type Crop, type Scene, type SceneItem, type Source } from '../../electron/engine/scenes/model.js';

const CANVAS = { width: 1920, height: 1080, fps: 30 };

const SOURCES: Source[] = [
  { id: 'cam', name: 'Webcam', kind: 'video-device', settings: { device: 'v4l2:/dev/video0', role: 'camera' } },
  { id: 'card', name: 'Capture card', kind: 'video-device', settings: { device: 'v4l2:/dev/video2', role: 'capture-card' }, audio: { volumeDb: 0, muted: false } },
  { id: 'img', name: 'Logo', kind: 'image', settings: { file: '/logo.png' } },
  { id: 'mic', name: 'Mic', kind: 'audio-device', settings: { device: null, role: 'microphone' }, audio: { volumeDb: -6, muted: false } },
  { id: 'mic2', name: 'Second mic', kind: 'audio-device', settings: { device: null, role: 'microphone' }, audio: { volumeDb: 0, muted: false } },
  { id: 'clip', name: 'Intro', kind: 'media', settings: { file: '/intro.mp4', loop: true }, audio: { volumeDb: 0, muted: false } },
  { id: 'silent', name: 'Loop', kind: 'media', settings: { file: '/loop.mp4', loop: true } },
];

const SIZES: Record<string, Size> = {
  cam: { width: 1920, height: 1080 },
  card: { width: 1280, height: 720 },
  img: { width: 1280, height: 720 },
  clip: { width: 1920, height: 1080 },
  silent: { width: 640, height: 360 },
};
const sizeOf = (id: string): Size | undefined => SIZES[id];

function item(id: string, sourceId: string, box: Partial<Omit<SceneItem, 'id' | 'sourceId'>> = {}): SceneItem {
  return { id, sourceId, x: 0, y: 0, width: 1920, height: 1080, crop: { top: 0, right: 0, bottom: 0, left: 0 }, visible: true, locked: false, ...box };
}

function crop(c: Partial<Crop>): Crop {
  return { top: 0, right: 0, bottom: 0, left: 0, ...c };
}

function collection(...scenes: Scene[]): Collection {
  return { version: COLLECTION_VERSION, canvas: CANVAS, sources: SOURCES, scenes, currentSceneId: scenes[0]!.id, transition: { kind: 'cut', durationMs: 0 } };
}

function flat(...scenes: Scene[]) {
  return flattenScene(collection(...scenes), scenes[0]!.id, sizeOf);
}

describe('flattenScene: one level', () => {
  it('draws a full-canvas item over the whole canvas from its whole frame', () => {
    expect(flat({ id: 'main', name: 'Main', items: [item('a', 'cam')] })).toEqual({
      layers: [{ path: 'a', sourceId: 'cam', box: { x: 0, y: 0, width: 1920, height: 1080 }, source: { x: 0, y: 0, width: 1920, height: 1080 } }],
      audible: [],
    });
  });

  it('keeps drawing order, bottom first, with a picture-in-picture in the corner', () => {
    const { layers } = flat({ id: 'main', name: 'Main', items: [item('bg', 'img'), item('pip', 'cam', { x: 1440, y: 810, width: 480, height: 270 })] });
    expect(layers.map((l) => l.path)).toEqual(['bg', 'pip']);
    expect(layers[0]!.source).toEqual({ x: 0, y: 0, width: 1280, height: 720 });
    expect(layers[1]).toEqual({ path: 'pip', sourceId: 'cam', box: { x: 1440, y: 810, width: 480, height: 270 }, source: { x: 0, y: 0, width: 1920, height: 1080 } });
  });

  it('takes the crop from the source frame and stretches the rest over the box', () => {
    const { layers } = flat({ id: 'main', name: 'Main', items: [item('a', 'cam', { crop: crop({ left: 100, right: 200, top: 50, bottom: 30 }) })] });
    expect(layers[0]!.box).toEqual({ x: 0, y: 0, width: 1920, height: 1080 });
    expect(layers[0]!.source).toEqual({ x: 100, y: 50, width: 1620, height: 1000 });
  });

  it('clips an item half off the canvas and halves its source rect to match', () => {
    const left = flat({ id: 'main', name: 'Main', items: [item('a', 'cam', { x: -960 })] }).layers[0]!;
    expect(left.box).toEqual({ x: 0, y: 0, width: 960, height: 1080 });
    expect(left.source).toEqual({ x: 960, y: 0, width: 960, height: 1080 });

    // Scaled 3/4: the 480 canvas pixels left on the canvas come from the left 640 of the frame.
    const scaled = flat({ id: 'main', name: 'Main', items: [item('a', 'card', { x: 1440, y: 540, width: 960, height: 540 })] }).layers[0]!;
    expect(scaled.box).toEqual({ x: 1440, y: 540, width: 480, height: 540 });
    expect(scaled.source).toEqual({ x: 0, y: 0, width: 640, height: 720 });
  });

  it('rounds a fractional box to whole pixels and keeps its source rect whole', () => {
    const { layers } = flat({ id: 'main', name: 'Main', items: [item('a', 'card', { x: 10.4, y: 20.6, width: 640.2, height: 359.7 })] });
    expect(layers[0]!.box).toEqual({ x: 10, y: 21, width: 641, height: 359 });
    expect(layers[0]!.source).toEqual({ x: 0, y: 0, width: 1280, height: 720 });
  });

  it('gives no layer for what cannot be drawn, but still hears it', () => {
    const { layers, audible } = flat({
      id: 'main',
      name: 'Main',
      items: [
        item('allcrop', 'cam', { crop: crop({ left: 1000, right: 920 }) }),
        item('overcrop', 'cam', { crop: crop({ top: 2000 }) }),
        item('flat', 'cam', { height: 0 }),
        item('outside', 'card', { x: 1920, y: 0, width: 100, height: 100 }),
        item('above', 'card', { x: 0, y: -100, width: 100, height: 100 }),
        item('sliver', 'card', { x: 1919.6, y: 0, width: 100, height: 100 }),
        item('mic', 'mic', { width: 0, height: 0 }),
        item('nosize', 'mic2'),
      ],
    });
    expect(layers).toEqual([]);
    expect(audible).toEqual(['card', 'mic', 'mic2']);
  });

  it('refuses a scene that does not exist', () => {
    expect(() => flattenScene(collection({ id: 'main', name: 'Main', items: [] }), 'nope', sizeOf)).toThrow('no scene "nope"');
  });
});

describe('flattenScene: nested scenes', () => {
  const inner: Scene = {
    id: 'inner',
    name: 'Inner',
    items: [
      // Its left quarter cropped off: the remaining 1440 frame pixels fill the nested canvas.
      item('cam', 'cam', { crop: crop({ left: 480 }) }),
      item('logo', 'img', { x: 100, y: 100, width: 640, height: 360 }),
    ],
  };

  it('maps a nested scene scaled to half size in a corner, with its own cropped item', () => {
    const { layers } = flat({ id: 'main', name: 'Main', items: [item('bg', 'img'), item('corner', 'inner', { x: 960, y: 540, width: 960, height: 540 })] }, inner);
    expect(layers).toEqual([
      { path: 'bg', sourceId: 'img', box: { x: 0, y: 0, width: 1920, height: 1080 }, source: { x: 0, y: 0, width: 1280, height: 720 } },
      { path: 'corner/cam', sourceId: 'cam', box: { x: 960, y: 540, width: 960, height: 540 }, source: { x: 480, y: 0, width: 1440, height: 1080 } },
      { path: 'corner/logo', sourceId: 'img', box: { x: 1010, y: 590, width: 320, height: 180 }, source: { x: 0, y: 0, width: 1280, height: 720 } },
    ]);
  });

  it("clips the nested scene's items to its crop, in the nested canvas's pixels", () => {
    // The right half of the nested canvas, unscaled, on the left half of the canvas.
    const { layers } = flat({ id: 'main', name: 'Main', items: [item('half', 'inner', { width: 960, crop: crop({ left: 960 }) })] }, inner);
    // The logo lies wholly in the cropped-off half; the camera's right part remains. Nested canvas
    // x 960..1920 shows frame x 480 + 960 * 3/4 = 1200 .. 1920.
    expect(layers).toEqual([{ path: 'half/cam', sourceId: 'cam', box: { x: 0, y: 0, width: 960, height: 1080 }, source: { x: 1200, y: 0, width: 720, height: 1080 } }]);
  });

  it("clips items that reach past the nested scene's own canvas", () => {
    const wide: Scene = { id: 'wide', name: 'Wide', items: [item('cam', 'cam', { x: 960 })] };
    const { layers } = flat({ id: 'main', name: 'Main', items: [item('n', 'wide', { width: 960, height: 540 })] }, wide);
    expect(layers).toEqual([{ path: 'n/cam', sourceId: 'cam', box: { x: 480, y: 0, width: 480, height: 540 }, source: { x: 0, y: 0, width: 960, height: 1080 } }]);
  });

  it('hides the whole subtree of an invisible nested item, pictures and sound', () => {
    const deep: Scene = { id: 'deep', name: 'Deep', items: [item('clip', 'clip'), item('mic', 'mic', { width: 0, height: 0 })] };
    const middle: Scene = { id: 'middle', name: 'Middle', items: [item('cam', 'cam'), item('deep', 'deep', { visible: false })] };
    const shown = flat({ id: 'main', name: 'Main', items: [item('m', 'middle')] }, middle, deep);
    expect(shown).toEqual({ layers: [expect.objectContaining({ path: 'm/cam' })], audible: [] });
    const hidden = flat({ id: 'main', name: 'Main', items: [item('m', 'middle', { visible: false })] }, middle, deep);
    expect(hidden).toEqual({ layers: [], audible: [] });
  });

  it('gives distinct paths to a nested scene used twice', () => {
    const { layers } = flat({ id: 'main', name: 'Main', items: [item('left', 'inner', { width: 960 }), item('right', 'inner', { x: 960, width: 960 })] }, inner);
    expect(layers.map((l) => l.path)).toEqual(['left/cam', 'left/logo', 'right/cam', 'right/logo']);
  });

  it('does not loop on a collection whose scenes contain each other', () => {
    const a: Scene = { id: 'a', name: 'A', items: [item('cam', 'cam'), item('b', 'b')] };
    const b: Scene = { id: 'b', name: 'B', items: [item('a', 'a'), item('img', 'img')] };
    expect(flat(a, b).layers.map((l) => l.path)).toEqual(['cam', 'b/img']);
  });
});

describe('flattenScene: audible', () => {
  it('hears visible sources with sound once each, in first-seen order, nested ones included', () => {
    const nested: Scene = {
      id: 'nested',
      name: 'Nested',
      items: [item('clip', 'clip'), item('silent', 'silent'), item('mic', 'mic', { width: 0, height: 0 })],
    };
    const { audible } = flat(
      {
        id: 'main',
        name: 'Main',
        items: [
          item('mic', 'mic', { width: 0, height: 0 }),
          item('cam', 'cam'),
          item('mic2', 'mic2', { width: 0, height: 0, visible: false }),
          // Sound does not depend on where a picture is: a nested scene shrunk to nothing still plays.
          item('n', 'nested', { width: 0, height: 0 }),
          item('card', 'card', { x: 5000 }),
        ],
      },
      nested,
    );
    expect(audible).toEqual(['mic', 'clip', 'card']);
  });
});

describe('hasAudio', () => {
  it('is always true for microphones and tones, and follows the audio field for pictures with sound', () => {
    const byId = new Map(SOURCES.map((s) => [s.id, s]));
    expect(['cam', 'card', 'img', 'mic', 'clip', 'silent'].map((id) => hasAudio(byId.get(id)!))).toEqual([false, true, false, true, true, false]);
    expect(hasAudio({ id: 't', name: 'Tone', kind: 'tone', settings: { frequencyHz: 440 }, audio: { volumeDb: 0, muted: true } })).toBe(true);
    expect(hasAudio({ id: 'n', name: 'IRL', kind: 'network', settings: { url: 'srt://host:9000' }, audio: { volumeDb: 0, muted: false } })).toBe(true);
    expect(hasAudio({ id: 'p', name: 'Browser', kind: 'placeholder', settings: { obsKind: 'browser_source', label: 'x', width: 800, height: 600 } })).toBe(false);
    expect(hasAudio({ id: 's', name: 'Screen', kind: 'screen', settings: { device: null, captureCursor: true } })).toBe(false);
  });
});

describe('flattenScene: properties', () => {
  const frameIds = ['f0', 'f1', 'f2', 'f3'];
  const sceneIds = ['top', 'mid', 'leaf'];
  // Positions and sizes in proportion to the canvas, crops mostly small, items mostly visible: so that
  // most runs draw something, nested layers included. A scene may nest only the scenes after it, so the
  // generated collections have no cycles.
  // fc.double crowds around 0, so whole pixels plus a fraction (half pixels among them) instead, and
  // unbiased: fast-check's bias towards the bounds would put most items off the canvas.
  const fraction = fc.oneof(fc.constant(0), fc.constant(0.5), fc.integer({ min: 0, max: 999 }).map((n) => n / 1000));
  const plus = (whole: fc.Arbitrary<number>) => fc.tuple(whole, fraction).map(([w, f]) => w + f);
  const along = (length: number) => ({
    pos: plus(fc.noBias(fc.integer({ min: -length, max: length }))),
    size: fc.oneof(plus(fc.noBias(fc.integer({ min: 0, max: 2 * length }))), fc.constant(length)),
  });
  // Tiny frames (fast-check's bias) as well as ordinary ones.
  const frameLength = fc.oneof(fc.integer({ min: 1, max: 4096 }), fc.noBias(fc.integer({ min: 16, max: 4096 })));
  const cropArb = fc.oneof({ arbitrary: fc.constant(0), weight: 6 }, { arbitrary: fc.nat(200), weight: 2 }, { arbitrary: fc.nat(3000), weight: 1 });
  const itemArb = (sceneIndex: number, canvas: Size) =>
    fc.record({
      sourceId: fc.constantFrom(...frameIds, 'nosize', ...sceneIds.slice(sceneIndex + 1)),
      x: along(canvas.width).pos,
      y: along(canvas.height).pos,
      width: along(canvas.width).size,
      height: along(canvas.height).size,
      crop: fc.record({ top: cropArb, right: cropArb, bottom: cropArb, left: cropArb }),
      visible: fc.oneof({ arbitrary: fc.constant(true), weight: 4 }, { arbitrary: fc.constant(false), weight: 1 }),
    });
  const worldArb = fc.record({ width: fc.integer({ min: 16, max: 4096 }), height: fc.integer({ min: 16, max: 4096 }) }).chain((canvas) =>
    fc.record({
      canvas: fc.constant(canvas),
      sizes: fc.tuple(...frameIds.map(() => fc.record({ width: frameLength, height: frameLength }))),
      items: fc.tuple(...sceneIds.map((_, i) => fc.array(itemArb(i, canvas), { minLength: 1, maxLength: 6 }))),
    }),
  );

  it('keeps every layer within the canvas and its frame, and at the scale its items set', () => {
    fc.assert(
      fc.property(worldArb, ({ canvas, sizes, items }) => {
        const sources: Source[] = [...frameIds, 'nosize'].map((id) => ({ id, name: id, kind: 'test-pattern', settings: {} }));
        const scenes: Scene[] = sceneIds.map((id, i) => ({
          id,
          name: id,
          items: items[i]!.map((it, j) => ({ ...it, id: `i${j}`, locked: false })),
        }));
        const c: Collection = { ...collection(...scenes), canvas: { ...canvas, fps: 30 }, sources };
        const size = (id: string): Size | undefined => sizes[frameIds.indexOf(id)];
        const { layers, audible } = flattenScene(c, 'top', size);
        expect(audible).toEqual([]);
        expect(new Set(layers.map((l) => l.path)).size).toBe(layers.length);

        for (const layer of layers) {
          const frame = size(layer.sourceId)!;
          const { box, source } = layer;
          for (const v of [box.x, box.y, box.width, box.height, source.x, source.y, source.width, source.height]) expect(Number.isInteger(v)).toBe(true);
          expect(box.width).toBeGreaterThanOrEqual(1);
          expect(box.height).toBeGreaterThanOrEqual(1);
          expect(box.x).toBeGreaterThanOrEqual(0);
          expect(box.y).toBeGreaterThanOrEqual(0);
          expect(box.x + box.width).toBeLessThanOrEqual(canvas.width);
          expect(box.y + box.height).toBeLessThanOrEqual(canvas.height);
          expect(source.width).toBeGreaterThanOrEqual(1);
          expect(source.height).toBeGreaterThanOrEqual(1);
          expect(source.x).toBeGreaterThanOrEqual(0);
          expect(source.y).toBeGreaterThanOrEqual(0);
          expect(source.x + source.width).toBeLessThanOrEqual(frame.width);
          expect(source.y + source.height).toBeLessThanOrEqual(frame.height);

          // Where the frame lands on the canvas (canvas = scale * frame + offset), composed down the
          // path; every item on it visible.
          let scene = scenes[0]!;
          const x = { scale: 1, offset: 0 };
          const y = { scale: 1, offset: 0 };
          for (const id of layer.path.split('/')) {
            const it = scene.items.find((candidate) => candidate.id === id)!;
            expect(it.visible).toBe(true);
            const own = it.sourceId === layer.sourceId ? frame : canvas;
            const stretchX = it.width / (own.width - it.crop.left - it.crop.right);
            const stretchY = it.height / (own.height - it.crop.top - it.crop.bottom);
            x.offset += x.scale * (it.x - it.crop.left * stretchX);
            y.offset += y.scale * (it.y - it.crop.top * stretchY);
            x.scale *= stretchX;
            y.scale *= stretchY;
            scene = scenes.find((s) => s.id === it.sourceId) ?? scene;
          }
          // Each edge is rounded by at most half a pixel, in the box and in the frame.
          const near = (canvasAt: number, frameAt: number, axis: { scale: number; offset: number }) =>
            expect(Math.abs(canvasAt - (axis.scale * frameAt + axis.offset))).toBeLessThanOrEqual((0.5 + 1e-3) * (1 + axis.scale));
          expect(Math.abs(box.width - x.scale * source.width)).toBeLessThanOrEqual((1 + 1e-3) * (1 + x.scale));
          expect(Math.abs(box.height - y.scale * source.height)).toBeLessThanOrEqual((1 + 1e-3) * (1 + y.scale));
          near(box.x, source.x, x);
          near(box.x + box.width, source.x + source.width, x);
          near(box.y, source.y, y);
          near(box.y + box.height, source.y + source.height, y);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
