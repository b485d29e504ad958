/**
 * The obs-websocket front's pure parts: uuids and item numbers, OBS kinds and settings both ways (by
 * the OBS import's own mapping), transforms, and the stream states read off the destinations.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CaptureDevice, Collection, DestinationView, Source, SourceStatus, StudioState } from '../../electron/contract.js';
import { stateEvents } from '../../electron/remote/obs/events.js';
import { obsColor, obsKindOf, obsSettingsOf, propertyItems, sourceInputFromObs, creatableKind, dbToMul } from '../../electron/remote/obs/kinds.js';
import { SceneItemNumbers, obsSceneOrder, obsUuid } from '../../electron/remote/obs/names.js';
import { streamPhase, streamTransitions, timecode } from '../../electron/remote/obs/outputs.js';
import { obsTransform, transformPatch } from '../../electron/remote/obs/transform.js';
import { fpsFraction } from '../../electron/remote/obs/requests-general.js';
import { ObsFailure } from '../../electron/remote/obs/fields.js';
import { canvasFromBasicIni, importObsCollection } from '../../electron/engine/scenes/obs-import.js';
import { inputSettings, sceneItem } from '../../electron/remote/obs/views.js';
import { collection, color, item } from '../helpers/scenes.js';

const canvas = { width: 1280, height: 720, fps: 30 };

function thrownCode(fn: () => unknown): number {
  try {
    fn();
  } catch (err) {
    if (err instanceof ObsFailure) return err.code;
    throw err;
  }
  throw new Error('expected an ObsFailure');
}

describe('names', () => {
  it('derives a stable uuid from an id, and keeps an id that is a uuid', () => {
    const uuid = obsUuid('red');
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(obsUuid('red')).toBe(uuid);
    expect(obsUuid('blue')).not.toBe(uuid);
    expect(obsUuid('0F8FAD5B-D9CB-469F-A165-70867728950E')).toBe('0f8fad5b-d9cb-469f-a165-70867728950e');
  });

  it("lists scenes in OBS's order: index 0 is the last scene of the list", () => {
    const c = collection(canvas, [color('red', '#ff0000')], [{ id: 'top', items: [] }, { id: 'middle', items: [] }, { id: 'bottom', items: [] }]);
    expect(obsSceneOrder(c).map(({ scene, sceneIndex }) => [sceneIndex, scene.id])).toEqual([
      [0, 'bottom'],
      [1, 'middle'],
      [2, 'top'],
    ]);
  });

  it('numbers items once, keeps numbers while they exist, keeps OBS numbers of imported items, and never reuses a number for a new item', () => {
    const box = { x: 0, y: 0, width: 10, height: 10 };
    const numbers = new SceneItemNumbers();
    const c1 = collection(canvas, [color('red', '#ff0000')], [{ id: 's', items: [item('item-7', 'red', box), item('a', 'red', box), item('b', 'red', box)] }]);
    numbers.observe(c1);
    expect(['item-7', 'a', 'b'].map((id) => numbers.numberOf('s', id))).toEqual([7, 8, 9]);
    const c2 = collection(canvas, [color('red', '#ff0000')], [{ id: 's', items: [item('b', 'red', box), item('c', 'red', box)] }]);
    numbers.observe(c2);
    expect(numbers.numberOf('s', 'b')).toBe(9);
    expect(numbers.numberOf('s', 'c')).toBe(10);
    expect(numbers.numberOf('s', 'a')).toBe(0);
    expect(numbers.itemOf(c2.scenes[0]!, 10)?.id).toBe('c');
  });
});

describe('kinds', () => {
  it("names each Uplink source by the OBS kind of this OS (or of its device's API)", () => {
    const mic: Source = { id: 'm', name: 'Mic', kind: 'audio-device', settings: { device: null, role: 'microphone' }, audio: { volumeDb: 0, muted: false } };
    const desktop: Source = { id: 'd', name: 'Desktop', kind: 'audio-device', settings: { device: 'pulse:alsa_output.pci.analog-stereo.monitor', role: 'desktop-audio' }, audio: { volumeDb: 0, muted: false } };
    const cam: Source = { id: 'c', name: 'Cam', kind: 'video-device', settings: { device: 'v4l2:/dev/video0', role: 'camera' } };
    const screen: Source = { id: 's', name: 'Screen', kind: 'screen', settings: { device: null, captureCursor: true } };
    expect([mic, desktop, cam, screen].map((s) => obsKindOf(s, 'linux'))).toEqual(['pulse_input_capture', 'pulse_output_capture', 'v4l2_input', 'xshm_input_v2']);
    expect([mic, screen].map((s) => obsKindOf(s, 'windows'))).toEqual(['wasapi_input_capture', 'monitor_capture']);
    expect([mic, screen].map((s) => obsKindOf(s, 'macos'))).toEqual(['coreaudio_input_capture', 'screen_capture']);
    expect(creatableKind('dshow_input', 'linux')).toBeUndefined();
    expect(creatableKind('xshm_input', 'linux')).toBe('xshm_input_v2');
    expect(creatableKind('text_gdiplus_v3', 'windows')).toBe('text_gdiplus_v3');
  });

  it('turns OBS colours (0xAABBGGRR) into Uplink colours and back', () => {
    expect(obsColor('#ff0000')).toBe(0xff0000ff);
    expect(obsColor('#0000ff80')).toBe(0x80ff0000);
    const input = sourceInputFromObs('color_source_v3', 'Red', { color: 0xff0000ff, width: 640, height: 360 }, canvas);
    expect(input).toEqual({ name: 'Red', kind: 'color', settings: { color: '#ff0000', width: 640, height: 360 } });
    // Left out, the size is the canvas's, as OBS's colour source v3 does.
    expect(sourceInputFromObs('color_source_v3', 'Grey', {}, canvas)).toEqual({ name: 'Grey', kind: 'color', settings: { color: '#d1d1d1', width: 1280, height: 720 } });
  });

  it('gives back the settings a source was created with, for every kind a client can create here', () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      ['color_source_v3', { color: 0xff00ff00, width: 100, height: 50 }],
      ['image_source', { file: '/media/logo.png' }],
      ['ffmpeg_source', { is_local_file: true, local_file: '/media/clip.mp4', looping: true }],
      ['ffmpeg_source', { is_local_file: false, input: 'srt://127.0.0.1:9000' }],
      ['text_ft2_source_v2', { text: 'Hello', font: { face: 'DejaVu Sans', size: 48, flags: 1, style: '' }, color1: 0xff00ffff, color2: 0xff00ffff }],
      ['v4l2_input', { device_id: '/dev/video2', resolution: (1280 << 16) | 720 }],
      ['pulse_input_capture', { device_id: 'alsa_input.usb-mic' }],
      ['pulse_output_capture', { device_id: 'alsa_output.pci.analog-stereo' }],
      ['xshm_input_v2', { show_cursor: false }],
    ];
    for (const [kind, settings] of cases) {
      const input = sourceInputFromObs(kind, 'Thing', settings, canvas) as Source;
      const source = { ...input, id: 'x' } as Source;
      expect(obsKindOf(source, 'linux'), kind).toBe(kind);
      expect(obsSettingsOf(source, kind), kind).toEqual(settings);
    }
    // A media file plays its sound, as in OBS.
    expect(sourceInputFromObs('ffmpeg_source', 'Clip', { local_file: '/media/clip.mp4' }, canvas)).toMatchObject({ kind: 'media', audio: { volumeDb: 0, muted: false } });
    const gdi = sourceInputFromObs('text_gdiplus_v3', 'T', { text: 'Hi', color: 0x0000ff, opacity: 100, bk_color: 0, bk_opacity: 0 }, canvas);
    expect(gdi).toMatchObject({ kind: 'text', settings: { color: '#ff0000', text: 'Hi' } });
  });

  it("lists devices as the values OBS's device properties take, which CreateInput reads back to the same device", () => {
    const devices: CaptureDevice[] = [
      { id: 'v4l2:/dev/video2', name: 'USB Camera', kind: 'video', api: 'v4l2' },
      { id: 'pulse:alsa_input.usb-mic', name: 'USB Mic', kind: 'audio', api: 'pulse' },
      { id: 'pulse:alsa_output.pci.analog-stereo.monitor', name: 'Monitor of Speakers', kind: 'audio', api: 'pulse', monitor: true },
    ];
    expect(propertyItems('v4l2_input', 'device_id', devices)).toEqual([{ itemName: 'USB Camera', itemEnabled: true, itemValue: '/dev/video2' }]);
    const mics = propertyItems('pulse_input_capture', 'device_id', devices)!;
    expect(mics.map((i) => i.itemValue)).toEqual(['default', 'alsa_input.usb-mic']);
    const desktop = propertyItems('pulse_output_capture', 'device_id', devices)!;
    expect(desktop.map((i) => i.itemValue)).toEqual(['default', 'alsa_output.pci.analog-stereo']);
    expect(sourceInputFromObs('pulse_output_capture', 'Desktop', { device_id: desktop[1]!.itemValue }, canvas)).toMatchObject({ settings: { device: devices[2]!.id, role: 'desktop-audio' } });
    expect(sourceInputFromObs('v4l2_input', 'Cam', { device_id: '/dev/video2' }, canvas)).toMatchObject({ settings: { device: devices[0]!.id } });
    expect(propertyItems('v4l2_input', 'resolution', devices)).toBeUndefined();
  });

  it('turns dB into multipliers with silence at 0', () => {
    expect(dbToMul(0)).toBe(1);
    expect(dbToMul(-100)).toBe(0);
    expect(dbToMul(-Infinity)).toBe(0);
    expect(dbToMul(-6.02)).toBeCloseTo(0.5, 3);
  });
});

describe('transforms', () => {
  const c: Collection = collection(canvas, [color('red', '#ff0000', 400, 200)], [{ id: 's', items: [item('i', 'red', { x: 100, y: 50, width: 200, height: 100 })] }]);
  const it0 = c.scenes[0]!.items[0]!;

  it("reads an item as OBS's transform: top-left aligned, scaled from the source's size", () => {
    expect(obsTransform(c, it0)).toMatchObject({ positionX: 100, positionY: 50, scaleX: 0.5, scaleY: 0.5, sourceWidth: 400, sourceHeight: 200, width: 200, height: 100, alignment: 5, boundsType: 'OBS_BOUNDS_NONE', rotation: 0 });
  });

  it('sends the transform it read back unchanged as no change, and applies scale, crop and an alignment', () => {
    const same = transformPatch(c, it0, obsTransform(c, it0));
    expect({ ...it0, ...same }).toEqual(it0);
    expect(transformPatch(c, it0, { scaleX: 1, scaleY: 1 })).toEqual({ width: 400, height: 200 });
    expect(transformPatch(c, it0, { cropLeft: 100 })).toEqual({ width: 150, height: 100, crop: { top: 0, right: 0, bottom: 0, left: 100 } });
    // Centre alignment (0): the position is the item's centre.
    expect(transformPatch(c, it0, { positionX: 640, positionY: 360, alignment: 0 })).toEqual({ x: 540, y: 310 });
  });

  it("places an item given bounds as OBS does, and keeps the box they give it", () => {
    // Fit inside 1280x720, centred in the bounds: the 2:1 source is 1280x640, 40 px down.
    expect(transformPatch(c, it0, { boundsType: 'OBS_BOUNDS_SCALE_INNER', boundsWidth: 1280, boundsHeight: 720, positionX: 0, positionY: 0 })).toEqual({
      x: 0,
      y: 40,
      width: 1280,
      height: 640,
      crop: { top: 0, right: 0, bottom: 0, left: 0 },
    });
    expect(transformPatch(c, it0, { boundsType: 'OBS_BOUNDS_STRETCH', boundsWidth: 300, boundsHeight: 300, alignment: 0, positionX: 640, positionY: 360 })).toMatchObject({ x: 490, y: 210, width: 300, height: 300 });
  });

  it('refuses what Uplink cannot draw, and an empty change, with OBS codes', () => {
    expect(thrownCode(() => transformPatch(c, it0, { rotation: 45 }))).toBe(402);
    expect(thrownCode(() => transformPatch(c, it0, { boundsType: 'OBS_BOUNDS_STRETCH' }))).toBe(400);
    expect(thrownCode(() => transformPatch(c, it0, { boundsType: 'OBS_BOUNDS_SIDEWAYS', boundsWidth: 10, boundsHeight: 10 }))).toBe(400);
    expect(thrownCode(() => transformPatch(c, it0, { scaleX: -1 }))).toBe(402);
    expect(thrownCode(() => transformPatch(c, it0, { positionX: 'left' }))).toBe(401);
    expect(thrownCode(() => transformPatch(c, it0, { width: 10 }))).toBe(703);
  });
});

describe('outputs', () => {
  const dest = (state: DestinationView['state']): DestinationView => ({ id: state, name: state, service: 'custom', enabled: true, hasKey: true, state, warnings: [] });
  const withDestinations = (...states: Array<DestinationView['state']>): StudioState => ({ destinations: states.map(dest) }) as unknown as StudioState;

  it('reads the stream off every destination: live while any is live', () => {
    expect(streamPhase(withDestinations())).toBe('stopped');
    expect(streamPhase(withDestinations('offline', 'failed'))).toBe('stopped');
    expect(streamPhase(withDestinations('connecting', 'offline'))).toBe('starting');
    expect(streamPhase(withDestinations('reconnecting', 'live'))).toBe('live');
    expect(streamPhase(withDestinations('reconnecting', 'connecting'))).toBe('reconnecting');
    expect(streamPhase(withDestinations('stopping'))).toBe('stopping');
  });

  it("says each change of the stream as OBS's output states", () => {
    expect(streamTransitions('stopped', 'starting')).toEqual(['OBS_WEBSOCKET_OUTPUT_STARTING']);
    expect(streamTransitions('starting', 'live')).toEqual(['OBS_WEBSOCKET_OUTPUT_STARTED']);
    expect(streamTransitions('live', 'reconnecting')).toEqual(['OBS_WEBSOCKET_OUTPUT_RECONNECTING']);
    expect(streamTransitions('reconnecting', 'starting')).toEqual([]);
    expect(streamTransitions('reconnecting', 'live')).toEqual(['OBS_WEBSOCKET_OUTPUT_RECONNECTED']);
    expect(streamTransitions('live', 'stopped')).toEqual(['OBS_WEBSOCKET_OUTPUT_STOPPING', 'OBS_WEBSOCKET_OUTPUT_STOPPED']);
    expect(timecode(3_723_004)).toBe('01:02:03.004');
  });

  it('gives frame rates as fractions', () => {
    expect(fpsFraction(30)).toEqual({ fpsNumerator: 30, fpsDenominator: 1 });
    expect(fpsFraction(29.97)).toEqual({ fpsNumerator: 30000, fpsDenominator: 1001 });
    expect(fpsFraction(12.5)).toEqual({ fpsNumerator: 12500, fpsDenominator: 1000 });
  });
});

describe('a collection OBS saved, imported, as an OBS client sees it again', () => {
  const fixtures = join(import.meta.dirname, '..', 'fixtures', 'obs');
  const read = (name: string): string => readFileSync(join(fixtures, name), 'utf8');
  const obs = JSON.parse(read('studio-linux.json')) as { sources: Array<{ name: string; id: string; settings: Record<string, unknown> & { items?: Array<Record<string, unknown>> } }> };
  const logo = { width: 320, height: 180 };
  const { collection: c } = importObsCollection(obs, { canvas: canvasFromBasicIni(read('studio-linux.basic.ini')), sourceSizes: { Logo: logo, Clip: { width: 640, height: 360 } } });
  const numbers = new SceneItemNumbers();
  numbers.observe(c);
  const sizeOf = (id: string): { width: number; height: number } | undefined => (c.sources.find((s) => s.id === id)?.name === 'Logo' ? logo : undefined);
  const obsScene = (name: string) => obs.sources.find((s) => s.id === 'scene' && s.name === name)!;
  const obsSource = (name: string) => obs.sources.find((s) => s.name === name)!;

  it("keeps OBS's scene item ids, positions, scales and crops of items placed top-left without bounds", () => {
    for (const name of ['BRB', 'Screen + cam']) {
      const scene = c.scenes.find((s) => s.name === name)!;
      const items = scene.items.map((i) => sceneItem(c, scene, i, numbers, 'linux', sizeOf));
      for (const saved of obsScene(name).settings.items!) {
        const pos = saved.pos as { x: number; y: number };
        const scale = saved.scale as { x: number; y: number };
        const mine = items.find((i) => i.sceneItemId === saved.id);
        expect(mine, `${name} item ${String(saved.id)}`).toBeDefined();
        if (saved.align !== 5 || saved.bounds_type !== 0 || saved.rot !== 0 || saved.name === 'Hidden note') continue;
        expect(mine!.sceneItemTransform, `${name}: ${String(saved.name)}`).toMatchObject({
          positionX: pos.x,
          positionY: pos.y,
          scaleX: expect.closeTo(scale.x, 3),
          scaleY: expect.closeTo(scale.y, 3),
          cropLeft: saved.crop_left,
          cropTop: saved.crop_top,
        });
      }
    }
  });

  it("gives back OBS's settings of colour, text, camera and audio inputs", () => {
    const settingsOf = (name: string): Record<string, unknown> => inputSettings(c.sources.find((s) => s.name === name)!, 'linux');
    expect(settingsOf('BRB card')).toEqual(obsSource('BRB card').settings);
    expect(settingsOf('Title')).toMatchObject({ ...obsSource('Title').settings, font: { face: 'DejaVu Sans', size: 48, flags: 1 } });
    expect(settingsOf('Webcam')).toMatchObject({ device_id: '/dev/video0', resolution: 83886800 });
    expect(settingsOf('Mic')).toEqual(obsSource('Mic').settings);
    expect(settingsOf('Desktop Audio')).toEqual(obsSource('Desktop Audio').settings);
    expect(obsKindOf(c.sources.find((s) => s.name === 'Alerts')!, 'linux')).toBe('browser_source');
  });
});

describe('media events', () => {
  const clip: Source = { id: 'clip', name: 'Intro', kind: 'media', settings: { file: '/videos/intro.mp4', loop: false } };
  const c = collection(canvas, [clip], [{ id: 'A', items: [item('i', 'clip', { x: 0, y: 0, width: 640, height: 360 })] }]);
  // What the events read of a snapshot: the scenes, and no stream or recording under way.
  const at = (state?: SourceStatus['state']): StudioState =>
    ({ destinations: [], recording: { active: false }, scenes: { collection: c, programSceneId: 'A', sources: state ? [{ sourceId: 'clip', state }] : [] } }) as unknown as StudioState;
  const between = (a?: SourceStatus['state'], b?: SourceStatus['state']): string[] =>
    stateEvents(at(a), at(b), new SceneItemNumbers(), 'linux').filter((e) => e.eventType.startsWith('MediaInput')).map((e) => e.eventType);

  it('says when a media input ends and when it plays again, and not when a lost feed is reopened', () => {
    expect(between(undefined, 'ended')).toEqual(['MediaInputPlaybackEnded']);
    expect(between('ended', 'opening')).toEqual(['MediaInputPlaybackStarted']);
    expect(between('ended', undefined)).toEqual(['MediaInputPlaybackStarted']);
    // Restarted while it played.
    expect(between(undefined, 'opening')).toEqual(['MediaInputPlaybackStarted']);
    expect(between('opening', undefined)).toEqual([]);
    expect(between('lost', 'opening')).toEqual([]);
    expect(between(undefined, 'stalled')).toEqual([]);
  });
});
