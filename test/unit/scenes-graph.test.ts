import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PARKED, type SlotState, compileGraph, slotCommands, stateCommands } from '../../electron/engine/scenes/graph.js';
import { parseCollection, type Collection } from '../../electron/engine/scenes/model.js';
import { cardFontSize, planCompositor, programState, sceneSlots, textSize } from '../../electron/engine/scenes/plan.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'obs');

/** A collection OBS wrote (test/fixtures/obs/README.md), as Uplink imported it. */
function obsCollection(name: string): Collection {
  const text = readFileSync(join(FIXTURES, `${name}.expected.json`), 'utf8').replaceAll('@MEDIA@', '/media');
  const parsed = parseCollection((JSON.parse(text) as { collection: unknown }).collection);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.value;
}

const context = {
  devices: [],
  fileSizes: new Map([
    ['/media/logo.png', { width: 320, height: 180 }],
    ['/media/clip.mp4', { width: 640, height: 360 }],
    ['/media/tone.m4a', { width: 0, height: 0 }],
  ]),
};

function compileFor(collection: Collection): string {
  const plan = planCompositor(collection, collection.canvas, context);
  const initial = programState(collection, collection.currentSceneId, plan)!;
  const graph = compileGraph({ canvas: plan.canvas, video: plan.video, audio: plan.audio, slotsPerLayer: plan.slots, initial, control: { kind: 'zmq', port: 5555 } });
  return [...graph.args.join('\n').split('\n'), '', ...graph.pipes.map((p, i) => `fd ${i + 3}: ${JSON.stringify(p)}`)].join('\n').replaceAll(';', ';\n');
}

describe('the compiled graph (golden, on collections OBS wrote)', () => {
  it('studio-linux: every scene kind OBS had, nested scenes and placeholders', async () => {
    await expect(compileFor(obsCollection('studio-linux'))).toMatchFileSnapshot(join(import.meta.dirname, '..', 'fixtures', 'graphs', 'studio-linux.txt'));
  });

  it('scenes-red-blue-tone', async () => {
    await expect(compileFor(obsCollection('scenes-red-blue-tone'))).toMatchFileSnapshot(join(import.meta.dirname, '..', 'fixtures', 'graphs', 'scenes-red-blue-tone.txt'));
  });

  it('every scene of the collection fits the slots, and switching between any two is commands only', () => {
    const collection = obsCollection('studio-linux');
    const plan = planCompositor(collection, collection.canvas, context);
    for (const scene of collection.scenes) {
      const slots = sceneSlots(collection, scene.id, plan);
      expect(slots, scene.name).toBeDefined();
      expect(slots!.length).toBe(plan.slots);
      for (const slot of slots!) {
        if (!slot.visible) continue;
        // Inside the source's frame and the canvas.
        const frame = plan.video[slot.source]!.size;
        expect(slot.crop.x + slot.crop.width).toBeLessThanOrEqual(frame.width);
        expect(slot.crop.y + slot.crop.height).toBeLessThanOrEqual(frame.height);
        expect(slot.box.x + slot.box.width).toBeLessThanOrEqual(collection.canvas.width);
      }
    }
  });
});

describe('cards where a source cannot be shown', () => {
  it('label at a twelfth of the height, smaller when it would be wider than the card', () => {
    expect(cardFontSize('Screen: no such device', { width: 1280, height: 720 })).toBe(60);
    // 34 characters at 50 px would be about 1050 px wide on an 800 px card (seen clipped in the studio).
    const size = cardFontSize('Browser source (not supported yet)', { width: 800, height: 600 });
    expect(size).toBeLessThan(50);
    expect(textSize('Browser source (not supported yet)', size).width).toBeLessThanOrEqual(800);
  });
});

describe('live commands', () => {
  const shown: SlotState = { visible: true, source: 2, crop: { x: 0, y: 0, width: 640, height: 360 }, box: { x: 10, y: 20, width: 320, height: 180 } };

  it('showing a parked slot routes its source and sets crop, size and place, then enables it', () => {
    expect(slotCommands(0, 3, PARKED, shown)).toEqual([
      { target: 'streamselect@l0s3', command: 'map', arg: 2 },
      { target: 'crop@l0s3', command: 'w', arg: 640 },
      { target: 'crop@l0s3', command: 'h', arg: 360 },
      { target: 'scale@l0s3', command: 'w', arg: 320 },
      { target: 'scale@l0s3', command: 'h', arg: 180 },
      { target: 'overlay@l0s3', command: 'x', arg: 10 },
      { target: 'overlay@l0s3', command: 'y', arg: 20 },
      { target: 'overlay@l0s3', command: 'enable', arg: 1 },
    ]);
  });

  it('a move sends only the position; an unchanged slot sends nothing; hiding parks', () => {
    expect(slotCommands(1, 0, shown, { ...shown, box: { ...shown.box, x: 99 } })).toEqual([{ target: 'overlay@l1s0', command: 'x', arg: 99 }]);
    expect(slotCommands(1, 0, shown, shown)).toEqual([]);
    const hidden = slotCommands(1, 0, shown, { ...shown, visible: false });
    expect(hidden.at(-1)).toEqual({ target: 'overlay@l1s0', command: 'enable', arg: 0 });
    expect(hidden).toContainEqual({ target: 'scale@l1s0', command: 'w', arg: 16 });
  });

  it('volume and fade changes', () => {
    const base = { layers: [[PARKED], [PARKED]] as [SlotState[], SlotState[]], fadeOpacity: 1, gains: [1, 0.5] };
    expect(stateCommands(base, { ...base, gains: [0, 0.5] })).toEqual([{ target: 'volume@a0', command: 'volume', arg: 0 }]);
    // The master fader, after the mix: absent is 1 (0 dB).
    expect(stateCommands(base, { ...base, master: 0.5 })).toEqual([{ target: 'volume@master', command: 'volume', arg: 0.5 }]);
    expect(stateCommands({ ...base, master: 0 }, { ...base, master: 1 })).toEqual([{ target: 'volume@master', command: 'volume', arg: 1 }]);
    expect(stateCommands(base, { ...base, master: 1 })).toEqual([]);
    expect(stateCommands(base, { ...base, fadeOpacity: 0.25 })).toEqual([
      { target: 'blend@fade', command: 'all_opacity', arg: 0.25 },
      { target: 'blend@fade', command: 'enable', arg: 1 },
    ]);
    expect(stateCommands({ ...base, fadeOpacity: 0.25 }, base)).toEqual([{ target: 'blend@fade', command: 'enable', arg: 0 }]);
  });
});
