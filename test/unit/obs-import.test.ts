import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { abgr, canvasFromBasicIni, importObsCollection, linearToDb, type ObsImportOptions } from '../../electron/engine/scenes/obs-import.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'obs');
const read = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

/**
 * Golden tests on collections OBS itself wrote (see test/fixtures/obs/README.md). UPDATE_GOLDEN=1 writes
 * the expected files again; read the diff before committing it.
 */
function golden(fixture: string, options: ObsImportOptions): void {
  const result = importObsCollection(JSON.parse(read(fixture)), options);
  const expectedFile = fixture.replace(/\.json$/, '.expected.json');
  const actual = `${JSON.stringify(result, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(join(FIXTURES, expectedFile), actual);
  expect(actual).toBe(read(expectedFile));
}

describe('OBS scene collection import, on files written by OBS', () => {
  it('scenes-red-blue-tone.json (OBS 29.0.2)', () => {
    // tone.m4a has no video: what the CLI learns from the file.
    golden('scenes-red-blue-tone.json', { sourceSizes: { Tone: { width: 0, height: 0 } } });
  });

  it('studio-linux.json (OBS 29.0.2: bounds, crops, groups, nested scenes, other systems\' sources)', () => {
    golden('studio-linux.json', {
      canvas: canvasFromBasicIni(read('studio-linux.basic.ini')),
      // What the CLI learns from the files themselves: OBS does not save these sizes.
      sourceSizes: { Logo: { width: 320, height: 180 }, Clip: { width: 640, height: 360 } },
    });
  });

  it('places items as OBS draws them', () => {
    const { collection, report } = importObsCollection(JSON.parse(read('studio-linux.json')), {
      canvas: canvasFromBasicIni(read('studio-linux.basic.ini')),
      sourceSizes: { Logo: { width: 320, height: 180 }, Clip: { width: 640, height: 360 } },
    });
    const scene = (name: string) => collection.scenes.find((s) => s.name === name)!;
    const item = (sceneName: string, sourceName: string) => {
      const sourceId = [...collection.sources, ...collection.scenes].find((s) => s.name === sourceName)!.id;
      return scene(sceneName).items.find((i) => i.sourceId === sourceId)!;
    };
    expect(collection.canvas).toEqual({ width: 1280, height: 720, fps: 30 });
    expect(collection.scenes.map((s) => s.name)).toEqual(['Grouped', 'Other systems', 'Camera', 'Screen + cam', 'BRB']);
    expect(collection.currentSceneId).toBe(scene('Screen + cam').id);
    expect(collection.transition).toEqual({ kind: 'fade', durationMs: 500 });
    // The camera scene nested at a quarter size, its bottom-right corner at (1260, 700).
    expect(item('Screen + cam', 'Camera')).toMatchObject({ x: 940, y: 520, width: 320, height: 180 });
    // The logo: 320x180 cropped 20 left, 10 top, 30 bottom, at half size; locked.
    expect(item('Screen + cam', 'Logo')).toMatchObject({ x: 1100, y: 20, width: 150, height: 70, crop: { top: 10, right: 0, bottom: 30, left: 20 }, locked: true });
    // Stretched into its bounds; a 16:9 feed (size unknown: the canvas) filling a 320x320 box centred on
    // (1100, 540) and reaching past it, offset by whole pixels as libobs does.
    expect(item('BRB', 'Clip')).toMatchObject({ x: 400, y: 225, width: 480, height: 270 });
    expect(item('BRB', 'IRL feed')).toMatchObject({ x: 816, y: 380, width: 568.889, height: 320 });
    expect(item('BRB', 'Hidden note')).toMatchObject({ visible: false });
    // The group's items, flattened: group at (800, 400) scaled 1.5.
    expect(item('Grouped', 'Group green')).toMatchObject({ x: 950, y: 475, width: 150, height: 150 });
    expect(item('Grouped', 'Group red')).toMatchObject({ x: 800, y: 400, width: 300, height: 150 });
    expect(scene('Grouped').items.map((i) => i.sourceId)).toEqual(['backdrop', 'group-green', 'group-red']);

    const source = (name: string) => report.sources.find((s) => s.name === name)!;
    expect(source('Mic')).toMatchObject({ as: 'audio-device', status: 'imported' });
    expect(collection.sources.find((s) => s.name === 'Mic')).toMatchObject({ audio: { volumeDb: -6, muted: false } });
    expect(collection.sources.find((s) => s.name === 'Desktop Audio')).toMatchObject({ audio: { volumeDb: 0, muted: true } });
    expect(collection.sources.find((s) => s.name === 'Clip')).toMatchObject({ audio: { volumeDb: -6.02, muted: false } });
    expect(source('Webcam').notes).toEqual(['filter "Green screen" (chroma_key_filter_v2) not imported']);
    for (const name of ['Alerts', 'Game', 'Windows window']) expect(source(name).status).toBe('placeholder');
    expect(collection.sources.find((s) => s.name === 'Alerts')).toMatchObject({ kind: 'placeholder', settings: { obsKind: 'browser_source', width: 800, height: 600 } });
    expect(report.scenes.find((s) => s.name === 'BRB')!.notes).toContain('item "Logo": rotation of 15° is not supported, imported upright');
  });

  it('refuses a file that is not an OBS collection, in one sentence', () => {
    expect(() => importObsCollection({ version: 2, scenes: [] })).toThrow(/not an OBS scene collection/);
    expect(() => importObsCollection([1, 2])).toThrow(/not an OBS scene collection/);
  });

  it('converts OBS colours, volumes and canvases', () => {
    expect(abgr(4278190335)).toBe('#ff0000');
    expect(abgr(0x80ff0000)).toBe('#0000ff80');
    expect(linearToDb(1)).toBe(0);
    expect(linearToDb(0)).toBe(-100);
    expect(linearToDb(0.5011872053146362)).toBe(-6);
    expect(canvasFromBasicIni('[Video]\nBaseCX=1920\nBaseCY=1080\nFPSType=2\nFPSNum=30000\nFPSDen=1001\n')).toEqual({ width: 1920, height: 1080, fps: 29.97 });
    expect(canvasFromBasicIni('[Video]\r\nBaseCX=2560\r\nBaseCY=1440\r\nFPSCommon=60\r\n')).toEqual({ width: 2560, height: 1440, fps: 60 });
    expect(() => canvasFromBasicIni('[General]\nName=x\n')).toThrow('--canvas WIDTHxHEIGHT');
  });
});
