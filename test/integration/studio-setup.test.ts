/**
 * The studio commands behind the first run, Import from OBS and Settings > Recording, on a real Studio
 * with real FFmpeg: the scenes a new profile starts with, an OBS collection run with its report, and a
 * recording started without a name landing in the chosen folder and format.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultCollection } from '../../electron/engine/profile/studio-profile.js';
import { Studio } from '../../electron/engine/studio.js';
import { tmpDir } from '../helpers/fixtures.js';
import { probeFile } from '../helpers/probe.js';
import { collection, color, item } from '../helpers/scenes.js';
import { until } from '../helpers/wait.js';

const SMALL = { width: 320, height: 180, fps: 15, videoBitrateKbps: 300, preset: 'ultrafast' };
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function newStudio(recordingsDir?: string): Studio {
  const studio = new Studio({ encoding: SMALL, cacheDir: tmpDir('studio-cache'), preview: false, meters: false, ...(recordingsDir ? { recordingsDir } : {}) });
  cleanups.push(() => studio.dispose());
  return studio;
}

describe('the studio behind the first run and Import from OBS', () => {
  it('starts the scenes a new profile starts with: the same rule, the same sources', async () => {
    const studio = newStudio();
    await studio.loadDefaultCollection();
    const running = (await studio.getState()).scenes!.collection;
    const expected = defaultCollection(await studio.listDevices());
    expect(running.sources.map((s) => [s.kind, s.name])).toEqual(expected.sources.map((s) => [s.kind, s.name]));
    expect(running.scenes).toHaveLength(1);
  });

  it('runs an OBS collection and reports a source it cannot show as a placeholder', async () => {
    const studio = newStudio();
    const item = (name: string) => ({ name, visible: true, locked: false, pos: { x: 0, y: 0 }, scale: { x: 1, y: 1 }, rot: 0, align: 5, bounds_type: 0, bounds: { x: 0, y: 0 }, crop_left: 0, crop_top: 0, crop_right: 0, crop_bottom: 0 });
    const report = await studio.importObsCollection({
      current_scene: 'Show',
      scene_order: [{ name: 'Show' }],
      sources: [
        { id: 'color_source', versioned_id: 'color_source_v3', name: 'Back', settings: { color: 0xff0000ff, width: 1920, height: 1080 } },
        { id: 'browser_source', name: 'Alerts', settings: { url: 'https://example.com', width: 800, height: 600 } },
        { id: 'scene', name: 'Show', settings: { items: [item('Back'), item('Alerts')] } },
      ],
    });
    expect(report.sources.map((s) => [s.name, s.status])).toEqual([
      ['Back', 'imported'],
      ['Alerts', 'placeholder'],
    ]);
    const state = await studio.getState();
    expect(state.scenes!.collection.scenes.map((s) => s.name)).toEqual(['Show']);
    expect(state.scenes!.collection.canvas).toEqual({ width: 1920, height: 1080, fps: 30 });
    await expect(studio.importObsCollection({ hello: 'world' })).rejects.toMatchObject({ code: 'NOT_OBS_COLLECTION' });
    // The refused file left the imported scenes running.
    expect((await studio.getState()).scenes!.collection.scenes.map((s) => s.name)).toEqual(['Show']);
  });

  it("places an OBS collection in OBS's canvas, as the streamer gives it", async () => {
    const studio = newStudio();
    const placed = { name: 'Badge', visible: true, locked: false, pos: { x: 1280, y: 720 }, scale: { x: 1, y: 1 }, rot: 0, align: 5, bounds_type: 0, bounds: { x: 0, y: 0 }, crop_left: 0, crop_top: 0, crop_right: 0, crop_bottom: 0 };
    await studio.importObsCollection(
      {
        current_scene: 'Show',
        scene_order: [{ name: 'Show' }],
        sources: [
          { id: 'color_source', versioned_id: 'color_source_v3', name: 'Badge', settings: { color: 0xff00ff00, width: 1280, height: 720 } },
          { id: 'scene', name: 'Show', settings: { items: [placed] } },
        ],
      },
      { width: 2560, height: 1440, fps: 60 },
    );
    const c = (await studio.getState()).scenes!.collection;
    // The bottom-right quarter of a 1440p canvas: on a 1080p one it would hang off the edge.
    expect(c.canvas).toEqual({ width: 2560, height: 1440, fps: 60 });
    expect(c.scenes[0]!.items[0]).toMatchObject({ x: 1280, y: 720, width: 1280, height: 720 });
    await expect(studio.importObsCollection({ scene_order: [], sources: [] }, { width: 10, height: 1080, fps: 30 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});

describe('a recording started without a name', () => {
  it('is named by the date in the folder and format of the recording settings (flv here)', async () => {
    const folder = join(tmpDir('studio-setup'), `recordings-${process.pid}-${Date.now()}`);
    mkdirSync(folder, { recursive: true });
    const studio = newStudio(join(tmpDir('studio-setup'), 'unused'));
    await studio.setRecordingSettings({ folder, format: 'flv' });
    let mediaSec = 0;
    studio.on('onStats', (stats) => (mediaSec = stats.mediaSec));
    await studio.startRecording();
    const file = (await studio.getState()).recording.file!;
    expect(file).toMatch(new RegExp(`^${folder}/recording-\\d{8}-\\d{6}\\.flv$`));
    await until(() => mediaSec >= 1);
    await studio.stopRecording();
    expect(readdirSync(folder)).toEqual([file.slice(folder.length + 1)]);
    expect((await probeFile(file)).format).toBe('flv');
  });
});

describe('the scene list', () => {
  it('duplicates a scene right after it, with its own items showing the same sources, and reorders scenes', async () => {
    const studio = newStudio();
    const canvas = { width: 320, height: 180, fps: 15 };
    await studio.loadCollection(
      collection(canvas, [color('red', '#ff0000'), color('blue', '#0000ff')], [
        { id: 'one', items: [item('bg', 'red', { x: 0, y: 0, width: 320, height: 180 }), item('box', 'blue', { x: 10, y: 10, width: 50, height: 50 })] },
        { id: 'two', items: [item('bg', 'blue', { x: 0, y: 0, width: 320, height: 180 })] },
      ]),
    );
    const copyId = await studio.duplicateScene('one');
    const scenesNow = async () => (await studio.getState()).scenes!.collection.scenes;
    const [one, copy] = await scenesNow();
    expect((await scenesNow()).map((s) => s.id)).toEqual(['one', copyId, 'two']);
    expect(copy!.name).toBe(`${one!.name} 2`);
    expect(copy!.items.map((i) => [i.sourceId, i.x, i.width])).toEqual(one!.items.map((i) => [i.sourceId, i.x, i.width]));
    expect(copy!.items.some((i) => one!.items.some((o) => o.id === i.id))).toBe(false);
    await studio.setProgramScene(copyId);

    await studio.moveScene('two', 0);
    expect((await scenesNow()).map((s) => s.id)).toEqual(['two', 'one', copyId]);
    await expect(studio.moveScene('nope', 0)).rejects.toMatchObject({ code: 'NO_SUCH_SCENE' });
    await expect(studio.duplicateScene('one', '')).rejects.toThrow(/name must not be empty/);
  });
});
