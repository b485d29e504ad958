/**
 * The obs-websocket front on a real in-process studio (real FFmpeg composing the scenes), without a
 * WebSocket: each request as a client sends it, what it answers, what it changed in the studio, and
 * the OBS events that came of it.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Source, StudioState } from '../../electron/contract.js';
import { Studio } from '../../electron/engine/studio.js';
import { OBS_REQUESTS, createObsFront } from '../../electron/remote/obs/front.js';
import { obsUuid } from '../../electron/remote/obs/names.js';
import { guardedStudioPort } from '../../electron/remote/obs/studio-port.js';
import type { ObsData, ObsEvent, ObsFront, ObsResponse } from '../../electron/remote/obs/types.js';
import { tmpDir } from '../helpers/fixtures.js';
import { collection, color, item, makeClip } from '../helpers/scenes.js';
import { until } from '../helpers/wait.js';

const run = promisify(execFile);
const SMALL = { width: 320, height: 180, fps: 15, videoBitrateKbps: 300, preset: 'ultrafast' };
const canvas = { width: 320, height: 180, fps: 15 };

/** The requests a Companion-like client sends at connect, with the data it sends. */
export const CONNECT_SEQUENCE: Array<[string, ObsData?]> = [
  ['GetVersion'],
  ['GetStats'],
  ['GetStudioModeEnabled'],
  ['GetHotkeyList'],
  ['GetOutputList'],
  ['GetMonitorList'],
  ['GetVideoSettings'],
  ['GetReplayBufferStatus'],
  ['GetInputKindList'],
  ['GetRecordStatus'],
  ['GetRecordDirectory'],
  ['GetStreamStatus'],
  ['GetStreamServiceSettings'],
  ['GetProfileList'],
  ['GetSceneCollectionList'],
  ['GetSceneTransitionList'],
  ['GetCurrentSceneTransition'],
  ['GetSpecialInputs'],
  ['GetSceneList'],
  ['GetInputList'],
];

let studio: Studio;
let front: ObsFront;
let profileDir: string;
const events: ObsEvent[] = [];

async function ok(requestType: string, data?: ObsData): Promise<ObsData> {
  const response = await front.request(requestType, data);
  if (!response.result) throw new Error(`${requestType} failed: ${response.code} ${response.comment}`);
  return response.data ?? {};
}

async function refused(requestType: string, data?: ObsData): Promise<ObsResponse> {
  const response = await front.request(requestType, data);
  expect(response.result, `${requestType} should fail`).toBe(false);
  return response;
}

/** The first event of this type (after `since`) whose data passes `test`. */
async function eventOf(eventType: string, test: (data: ObsData) => boolean = () => true, since = 0): Promise<ObsData> {
  let found: ObsData | undefined;
  await until(() => {
    found = events.slice(since).find((e) => e.eventType === eventType && test(e.eventData ?? {}))?.eventData ?? undefined;
    return found !== undefined;
  });
  return found!;
}

async function state(): Promise<StudioState> {
  return studio.getState();
}

function sourceNamed(s: StudioState, name: string): Source {
  const source = s.scenes!.collection.sources.find((x) => x.name === name);
  if (!source) throw new Error(`no source ${name}`);
  return source;
}

beforeAll(async () => {
  profileDir = tmpDir('obs-front');
  for (const folder of ['media', 'recordings']) mkdirSync(join(profileDir, folder), { recursive: true });
  studio = new Studio({ encoding: SMALL, cacheDir: tmpDir('studio-cache'), preview: false, recordingsDir: join(profileDir, 'recordings') });
  const tone: Source = { id: 'tone', name: 'Tone', kind: 'tone', settings: { frequencyHz: 440 }, audio: { volumeDb: 0, muted: false } };
  await studio.loadCollection(
    collection(canvas, [color('red', '#ff0000'), color('blue', '#0000ff'), tone], [
      { id: 'one', items: [item('item-1', 'red', { x: 0, y: 0, width: 320, height: 180 }), item('item-2', 'tone', { x: 0, y: 0, width: 0, height: 0 })] },
      { id: 'two', items: [item('item-1', 'blue', { x: 0, y: 0, width: 320, height: 180 })] },
    ]),
  );
  front = createObsFront(guardedStudioPort(studio, { profileDir, mediaDir: join(profileDir, 'media'), recordingsDir: join(profileDir, 'recordings') }), { platform: 'linux' });
  front.onEvent((event) => events.push(event));
}, 60_000);

afterAll(async () => {
  front?.close();
  await studio?.dispose();
});

describe('the obs-websocket front on a real studio', () => {
  it('answers every request of a Companion-like connect, with the protocol’s fields', async () => {
    for (const [type, data] of CONNECT_SEQUENCE) await ok(type, data);
    const version = await ok('GetVersion');
    expect(version).toMatchObject({ rpcVersion: 1, platform: 'ubuntu', supportedImageFormats: expect.any(Array) });
    expect(version.obsWebSocketVersion).toMatch(/^5\./);
    expect(version.availableRequests).toEqual(OBS_REQUESTS);
    expect(await ok('GetStudioModeEnabled')).toEqual({ studioModeEnabled: false });
    expect(await ok('GetVideoSettings')).toEqual({ fpsNumerator: 15, fpsDenominator: 1, baseWidth: 320, baseHeight: 180, outputWidth: 320, outputHeight: 180 });
    expect(await ok('GetRecordDirectory')).toEqual({ recordDirectory: join(profileDir, 'recordings') });
    expect(await ok('GetStreamStatus')).toMatchObject({ outputActive: false, outputReconnecting: false, outputTimecode: '00:00:00.000', outputBytes: 0 });

    const list = await ok('GetSceneList');
    expect(list).toMatchObject({ currentProgramSceneName: 'one', currentPreviewSceneName: null });
    // OBS's order: index 0 is the bottom of the list, the last scene.
    expect(list.scenes).toEqual([expect.objectContaining({ sceneIndex: 0, sceneName: 'two' }), expect.objectContaining({ sceneIndex: 1, sceneName: 'one' })]);

    // What a client then asks of every scene and input.
    for (const scene of ['one', 'two']) {
      const items = (await ok('GetSceneItemList', { sceneName: scene })).sceneItems as ObsData[];
      expect(items.length).toBeGreaterThan(0);
      expect((await ok('GetGroupSceneItemList', { sceneName: scene })).sceneItems).toEqual([]);
      await ok('GetSourceActive', { sourceName: scene });
      await ok('GetSourceFilterList', { sourceName: scene });
    }
    const inputs = (await ok('GetInputList')).inputs as ObsData[];
    expect(inputs.map((i) => [i.inputName, i.inputKind])).toEqual([
      ['red', 'color_source_v3'],
      ['blue', 'color_source_v3'],
      ['Tone', 'uplink_tone'],
    ]);
    for (const input of inputs) {
      const byName = { inputName: input.inputName };
      await ok('GetInputSettings', byName);
      await ok('GetSourceActive', { sourceName: input.inputName });
      await ok('GetSourceFilterList', { sourceName: input.inputName });
      await ok('GetMediaInputStatus', byName);
      await ok('GetInputDefaultSettings', { inputKind: 'color_source_v3' });
    }
    for (const request of ['GetInputMute', 'GetInputVolume', 'GetInputAudioBalance', 'GetInputAudioSyncOffset', 'GetInputAudioMonitorType', 'GetInputAudioTracks']) {
      await ok(request, { inputName: 'Tone' });
    }
    await ok('GetOutputStatus', { outputName: 'simple_stream' });
    await ok('GetOutputStatus', { outputName: 'simple_file_output' });

    const items = (await ok('GetSceneItemList', { sceneName: 'one' })).sceneItems as ObsData[];
    expect(items[0]).toMatchObject({ sceneItemId: 1, sceneItemIndex: 0, sceneItemEnabled: true, sourceName: 'red', sourceType: 'OBS_SOURCE_TYPE_INPUT', inputKind: 'color_source_v3' });
    expect(await ok('GetSourceActive', { sourceName: 'red' })).toEqual({ videoActive: true, videoShowing: true });
    expect(await ok('GetSourceActive', { sourceName: 'blue' })).toEqual({ videoActive: false, videoShowing: false });
    expect(await ok('GetInputSettings', { inputName: 'red' })).toEqual({ inputKind: 'color_source_v3', inputSettings: { color: 0xff0000ff, width: 320, height: 180 } });
  });

  it('answers a connect before the studio runs scenes (while it starts) without a failure', async () => {
    const bare = new Studio({ cacheDir: tmpDir('studio-cache'), preview: false });
    const early = createObsFront(guardedStudioPort(bare, { profileDir, mediaDir: join(profileDir, 'media'), recordingsDir: join(profileDir, 'recordings') }), { platform: 'linux' });
    try {
      for (const [type, data] of CONNECT_SEQUENCE) {
        const response = await early.request(type, data);
        expect(response, type).toMatchObject({ result: true, code: 100 });
      }
      expect((await early.request('GetSceneList', undefined)).data).toMatchObject({ currentProgramSceneName: null, scenes: [] });
    } finally {
      early.close();
      await bare.dispose();
    }
  });

  it('answers as OBS does where Uplink has no such thing: unknown requests, studio mode, bad fields', async () => {
    expect(await refused('GetBananas')).toMatchObject({ code: 204 });
    expect(await refused('GetCurrentPreviewScene')).toMatchObject({ code: 506 });
    expect(await refused('SetCurrentPreviewScene', { sceneName: 'one' })).toMatchObject({ code: 506 });
    expect(await refused('SetCurrentProgramScene', {})).toMatchObject({ code: 300 });
    expect(await refused('SetCurrentProgramScene', { sceneName: 3 })).toMatchObject({ code: 401 });
    expect(await refused('SetCurrentProgramScene', { sceneName: 'nowhere' })).toMatchObject({ code: 600, comment: 'No scene was found by the name of `nowhere`.' });
    expect(await refused('GetInputMute', { inputName: 'red' })).toMatchObject({ code: 604 });
    expect(await refused('CreateInput', { sceneName: 'one', inputName: 'Browser', inputKind: 'browser_source' })).toMatchObject({ code: 605 });
    expect(await refused('CreateScene', { sceneName: 'one' })).toMatchObject({ code: 601 });
    expect(await refused('GetOutputStatus', { outputName: 'virtualcam_output' })).toMatchObject({ code: 600 });
    expect(await refused('GetInputPropertiesListPropertyItems', { inputName: 'red', propertyName: 'color' })).toMatchObject({ code: 600 });
    expect(await refused('PauseRecord')).toMatchObject({ code: 501 });
    expect(await refused('SetStudioModeEnabled', { studioModeEnabled: true })).toMatchObject({ code: 604 });
    await ok('SetStudioModeEnabled', { studioModeEnabled: false });
    expect(await refused('TriggerStudioModeTransition')).toMatchObject({ code: 506 });
    // The only picture Uplink makes is the program's, and this studio makes no preview.
    expect(await refused('GetSourceScreenshot', { sourceName: 'two', imageFormat: 'jpg' })).toMatchObject({ code: 702 });
    expect(await refused('GetSourceScreenshot', { sourceName: 'one', imageFormat: 'png' })).toMatchObject({ code: 400 });
    expect(await refused('GetSourceScreenshot', { sourceName: 'one', imageFormat: 'jpg' })).toMatchObject({ code: 702, comment: expect.stringContaining('preview') });
  });

  it('answers every request given fields of the wrong type, or none, with a status and a sentence, never a throw', async () => {
    const wrong = {
      sceneName: 5, sceneUuid: {}, inputName: [], inputUuid: 7, sourceName: null, sourceUuid: true, sceneItemId: 'one', sceneItemEnabled: 'yes',
      sceneItemLocked: 1, sceneItemIndex: -3, sceneItemTransform: 'big', inputSettings: 'x', inputKind: 4, inputMuted: 'no', inputVolumeMul: 'loud',
      inputVolumeDb: Infinity, newSceneName: 3, newInputName: {}, transitionName: 9, transitionDuration: 'slow', streamServiceType: 2,
      streamServiceSettings: [], outputName: 0, imageFormat: 1, recordDirectory: 5, studioModeEnabled: 'on', searchOffset: 'first', overlay: 'yes',
    };
    // Those that act on the outputs are left out: with no field to check they would act.
    const acting = /^(Start|Stop|Toggle|Pause|Resume)/;
    for (const type of OBS_REQUESTS.filter((t) => t !== 'Sleep' && !acting.test(t))) {
      for (const data of [undefined, {}, wrong]) {
        const response = await front.request(type, data as ObsData | undefined);
        expect(typeof response.code, type).toBe('number');
        if (!response.result) expect(response.comment, type).toMatch(/\S/);
      }
    }
    // Nothing the requests above were given changed the studio.
    expect((await state()).scenes!.collection.scenes.map((s) => s.name)).toEqual(['one', 'two']);
  });

  it('switches, creates, renames and removes scenes by name or uuid, with their events', async () => {
    const since = events.length;
    const two = (await ok('GetSceneList')).scenes as ObsData[];
    const twoUuid = two.find((s) => s.sceneName === 'two')!.sceneUuid as string;
    await ok('SetCurrentProgramScene', { sceneUuid: twoUuid });
    expect(await eventOf('CurrentProgramSceneChanged', (d) => d.sceneName === 'two', since)).toEqual({ sceneName: 'two', sceneUuid: twoUuid });
    expect(await ok('GetCurrentProgramScene')).toMatchObject({ sceneName: 'two', sceneUuid: twoUuid, currentProgramSceneName: 'two' });
    // A switch is a transition in OBS, a cut included: started before the scene changes, ended after.
    await eventOf('SceneTransitionEnded', () => true, since);
    const order = events.slice(since).map((e) => e.eventType);
    expect(order.indexOf('SceneTransitionStarted')).toBeLessThan(order.indexOf('CurrentProgramSceneChanged'));
    expect(order.indexOf('SceneTransitionVideoEnded')).toBeGreaterThan(order.indexOf('CurrentProgramSceneChanged'));
    expect(events.find((e) => e.eventType === 'SceneTransitionEnded')?.eventData).toMatchObject({ transitionName: 'Cut' });
    // Tally: what went off air and on air, for the clients that ask for these high-volume events.
    expect(await eventOf('InputActiveStateChanged', (d) => d.inputName === 'blue', since)).toMatchObject({ videoActive: true });
    expect(await eventOf('InputActiveStateChanged', (d) => d.inputName === 'red', since)).toMatchObject({ videoActive: false });
    expect(events.find((e) => e.eventType === 'InputShowStateChanged' && e.eventData?.inputName === 'red')).toMatchObject({ eventIntent: 1 << 18, eventData: { videoShowing: false } });

    const { sceneUuid } = await ok('CreateScene', { sceneName: 'Three' });
    expect(await eventOf('SceneCreated', (d) => d.sceneName === 'Three', since)).toEqual({ sceneName: 'Three', sceneUuid, isGroup: false });
    const listed = await eventOf('SceneListChanged', () => true, since);
    expect((listed.scenes as ObsData[]).map((s) => s.sceneName)).toEqual(['Three', 'two', 'one']);
    await ok('SetSceneName', { sceneUuid, newSceneName: 'Third' });
    expect(await eventOf('SceneNameChanged', () => true, since)).toEqual({ sceneUuid, oldSceneName: 'Three', sceneName: 'Third' });
    await ok('RemoveScene', { sceneName: 'Third' });
    expect(await eventOf('SceneRemoved', () => true, since)).toEqual({ sceneName: 'Third', sceneUuid, isGroup: false });
    await ok('SetCurrentProgramScene', { sceneName: 'one' });
  });

  it('creates inputs by OBS kind with OBS settings, changes and renames them, and confines files', async () => {
    const since = events.length;
    const created = await ok('CreateInput', { sceneName: 'one', inputName: 'Green', inputKind: 'color_source_v3', inputSettings: { color: 0xff00ff00, width: 160, height: 90 } });
    expect(created.inputUuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.sceneItemId).toBe(3);
    expect(sourceNamed(await state(), 'Green').settings).toEqual({ color: '#00ff00', width: 160, height: 90 });
    expect(await eventOf('InputCreated', (d) => d.inputName === 'Green', since)).toMatchObject({ inputUuid: created.inputUuid, inputKind: 'color_source_v3', unversionedInputKind: 'color_source', inputSettings: { color: 0xff00ff00 } });
    expect(await eventOf('SceneItemCreated', (d) => d.sourceName === 'Green', since)).toMatchObject({ sceneName: 'one', sceneItemId: 3, sceneItemIndex: 2 });

    await ok('SetInputSettings', { inputUuid: created.inputUuid, inputSettings: { color: 0xffff0000 } });
    expect(sourceNamed(await state(), 'Green').settings).toEqual({ color: '#0000ff', width: 160, height: 90 });
    expect(await eventOf('InputSettingsChanged', (d) => d.inputName === 'Green', since)).toMatchObject({ inputSettings: { color: 0xffff0000 } });
    await ok('SetInputName', { inputName: 'Green', newInputName: 'Blue square' });
    expect(await eventOf('InputNameChanged', () => true, since)).toEqual({ inputUuid: created.inputUuid, oldInputName: 'Green', inputName: 'Blue square' });

    const outside = await refused('CreateInput', { sceneName: 'one', inputName: 'Logo', inputKind: 'image_source', inputSettings: { file: '/etc/passwd' } });
    expect(outside.code).toBeGreaterThanOrEqual(600);
    expect(outside.code).toBeLessThan(700);
    expect(outside.comment).toContain(join(profileDir, 'media'));

    await ok('RemoveInput', { inputName: 'Blue square' });
    expect(await eventOf('SceneItemRemoved', (d) => d.sourceName === 'Blue square', since)).toMatchObject({ sceneName: 'one', sceneItemId: 3 });
    expect(await eventOf('InputRemoved', () => true, since)).toEqual({ inputName: 'Blue square', inputUuid: created.inputUuid });
    // As OBS sends them: the items go before the input they showed.
    const order = events.slice(since).map((e) => e.eventType);
    expect(order.indexOf('SceneItemRemoved')).toBeLessThan(order.indexOf('InputRemoved'));
  });

  it('changes the text of a text input with its other settings kept, as a Stream Deck text action does', async () => {
    await ok('CreateInput', { sceneName: 'two', inputName: 'Caption', inputKind: 'text_ft2_source_v2', inputSettings: { text: 'Hello', font: { face: 'DejaVu Sans', size: 24, flags: 1 }, color1: 0xff00ffff } });
    await ok('SetInputSettings', { inputName: 'Caption', inputSettings: { text: 'Back soon' } });
    expect(sourceNamed(await state(), 'Caption').settings).toMatchObject({ text: 'Back soon', fontFace: 'DejaVu Sans', fontSizePx: 24, bold: true, color: '#ffff00' });
    expect((await ok('GetInputSettings', { inputName: 'Caption' })).inputSettings).toMatchObject({ text: 'Back soon', font: { face: 'DejaVu Sans', size: 24, flags: 1 }, color1: 0xff00ffff });
    await ok('RemoveInput', { inputName: 'Caption' });
  });

  it('plays a media file a client adds, with its sound on the mixer and its status', async () => {
    const file = join(profileDir, 'media', 'clip.mp4');
    copyFileSync(await makeClip(10), file);
    const since = events.length;
    await ok('CreateInput', { sceneName: 'two', inputName: 'Clip', inputKind: 'ffmpeg_source', inputSettings: { local_file: file } });
    expect(await ok('GetInputVolume', { inputName: 'Clip' })).toEqual({ inputVolumeMul: 1, inputVolumeDb: 0 });
    expect(await ok('GetMediaInputStatus', { inputName: 'Clip' })).toMatchObject({ mediaState: expect.stringMatching(/^OBS_MEDIA_STATE_(OPENING|PLAYING)$/) });
    await ok('SetCurrentProgramScene', { sceneName: 'two' });
    await eventOf('InputVolumeMeters', (d) => (d.inputs as ObsData[]).some((i) => i.inputName === 'Clip' && (i.inputLevelsMul as number[][])[0]![1]! > 0.01), since);

    // A Stream Deck's media buttons: restart, stop, play again; pause is refused with the reason.
    const media = async (action: string): Promise<ObsData> => ok('TriggerMediaInputAction', { inputName: 'Clip', mediaAction: `OBS_WEBSOCKET_MEDIA_INPUT_ACTION_${action}` });
    const mediaState = async (): Promise<unknown> => (await ok('GetMediaInputStatus', { inputName: 'Clip' })).mediaState;
    const clipId = sourceNamed(await state(), 'Clip').id;
    await media('RESTART');
    await until(async () => (await mediaState()) === 'OBS_MEDIA_STATE_PLAYING');
    // Its length as FFmpeg reads it, and where it is (a Stream Deck shows the time left).
    const playing = await ok('GetMediaInputStatus', { inputName: 'Clip' });
    expect(playing.mediaDuration).toBe(10_000);
    expect(playing.mediaCursor).toBeGreaterThanOrEqual(0);
    expect(playing.mediaCursor).toBeLessThanOrEqual(10_000);
    const stopped = events.length;
    await media('STOP');
    expect(await ok('GetMediaInputStatus', { inputName: 'Clip' })).toEqual({ mediaState: 'OBS_MEDIA_STATE_STOPPED', mediaDuration: null, mediaCursor: null });
    expect((await state()).scenes!.sources).toContainEqual({ sourceId: clipId, state: 'ended', reason: '"Clip" was stopped.' });
    await eventOf('MediaInputPlaybackEnded', (d) => d.inputName === 'Clip', stopped);
    const played = events.length;
    await media('PLAY');
    await until(async () => (await mediaState()) === 'OBS_MEDIA_STATE_PLAYING');
    await eventOf('MediaInputPlaybackStarted', (d) => d.inputName === 'Clip' && d.inputUuid === obsUuid(clipId), played);
    expect(await refused('TriggerMediaInputAction', { inputName: 'Clip', mediaAction: 'OBS_WEBSOCKET_MEDIA_INPUT_ACTION_PAUSE' })).toMatchObject({ code: 702, comment: expect.stringMatching(/cannot pause/) });

    // Set Media Time and scrub: it plays from there (the position counts from where it began).
    const cursor = async (): Promise<number> => (await ok('GetMediaInputStatus', { inputName: 'Clip' })).mediaCursor as number;
    await ok('SetMediaInputCursor', { inputName: 'Clip', mediaCursor: 6000 });
    await until(async () => (await mediaState()) === 'OBS_MEDIA_STATE_PLAYING');
    expect(await cursor()).toBeGreaterThanOrEqual(6000);
    await ok('OffsetMediaInputCursor', { inputName: 'Clip', mediaCursorOffset: -5000 });
    await until(async () => (await mediaState()) === 'OBS_MEDIA_STATE_PLAYING');
    expect(await cursor()).toBeLessThan(6000);
    expect(await refused('SetMediaInputCursor', { inputName: 'Clip', mediaCursor: -5 })).toMatchObject({ code: 402 });
    expect(await refused('SetMediaInputCursor', { inputName: 'red', mediaCursor: 0 })).toMatchObject({ code: 604 });
    expect(await refused('TriggerMediaInputAction', { inputName: 'Clip', mediaAction: 'PLAY' })).toMatchObject({ code: 400 });
    expect(await refused('TriggerMediaInputAction', { inputName: 'red', mediaAction: 'OBS_WEBSOCKET_MEDIA_INPUT_ACTION_RESTART' })).toMatchObject({ code: 604 });
    // The studio's own command (the studio's fronts) refuses the same, and an action it does not know.
    await expect(studio.mediaAction(sourceNamed(await state(), 'red').id, 'restart')).rejects.toThrow('"red" is not a media source: only media files and network feeds can be played, restarted or stopped');
    await expect(studio.mediaAction(clipId, 'pause' as 'play')).rejects.toThrow(/action must be one of play, restart, stop/);
    await expect(studio.seekMedia(sourceNamed(await state(), 'red').id, 0)).rejects.toThrow('"red" is not a media file: only a file has a position to go to');

    await ok('SetCurrentProgramScene', { sceneName: 'one' });
    await ok('RemoveInput', { inputName: 'Clip' });
  }, 60_000);

  it("gives an image's transform against its real size, as the studio probed it", async () => {
    const file = join(profileDir, 'media', 'badge.png');
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=green:s=64x32', '-frames:v', '1', file]);
    const { sceneItemId } = await ok('CreateInput', { sceneName: 'two', inputName: 'Badge', inputKind: 'image_source', inputSettings: { file } });
    expect(await ok('GetInputSettings', { inputName: 'Badge' })).toEqual({ inputKind: 'image_source', inputSettings: { file } });
    await ok('SetSceneItemTransform', { sceneName: 'two', sceneItemId, sceneItemTransform: { scaleX: 1, scaleY: 1, positionX: 10, positionY: 20 } });
    const badge = (await state()).scenes!.collection.scenes[1]!.items.at(-1)!;
    expect(badge).toMatchObject({ x: 10, y: 20, width: 64, height: 32 });
    expect((await ok('GetSceneItemTransform', { sceneName: 'two', sceneItemId })).sceneItemTransform).toMatchObject({ sourceWidth: 64, sourceHeight: 32, scaleX: 1, scaleY: 1, width: 64, height: 32 });
    await ok('RemoveInput', { inputName: 'Badge' });
  });

  it('shows, hides, locks, moves and transforms scene items', async () => {
    const since = events.length;
    const { sceneItemId } = await ok('GetSceneItemId', { sceneName: 'one', sourceName: 'red' });
    expect(sceneItemId).toBe(1);
    await ok('SetSceneItemEnabled', { sceneName: 'one', sceneItemId, sceneItemEnabled: false });
    expect(await eventOf('SceneItemEnableStateChanged', () => true, since)).toMatchObject({ sceneName: 'one', sceneItemId: 1, sceneItemEnabled: false });
    expect(await ok('GetSceneItemEnabled', { sceneName: 'one', sceneItemId })).toEqual({ sceneItemEnabled: false });
    await ok('SetSceneItemEnabled', { sceneName: 'one', sceneItemId, sceneItemEnabled: true });

    await ok('SetSceneItemLocked', { sceneName: 'one', sceneItemId, sceneItemLocked: true });
    expect(await ok('GetSceneItemLocked', { sceneName: 'one', sceneItemId })).toEqual({ sceneItemLocked: true });

    await ok('SetSceneItemTransform', { sceneName: 'one', sceneItemId, sceneItemTransform: { positionX: 80, positionY: 45, scaleX: 0.5, scaleY: 0.5 } });
    const red = (await state()).scenes!.collection.scenes[0]!.items[0]!;
    expect(red).toMatchObject({ x: 80, y: 45, width: 160, height: 90 });
    expect(await eventOf('SceneItemTransformChanged', () => true, since)).toMatchObject({ sceneItemId: 1, sceneItemTransform: { positionX: 80, scaleX: 0.5 } });
    expect((await ok('GetSceneItemTransform', { sceneName: 'one', sceneItemId })).sceneItemTransform).toMatchObject({ positionX: 80, positionY: 45, scaleX: 0.5, width: 160, alignment: 5 });

    await ok('SetSceneItemIndex', { sceneName: 'one', sceneItemId, sceneItemIndex: 1 });
    expect(await ok('GetSceneItemIndex', { sceneName: 'one', sceneItemId })).toEqual({ sceneItemIndex: 1 });
    expect(await eventOf('SceneItemListReindexed', () => true, since)).toMatchObject({ sceneName: 'one', sceneItems: [{ sceneItemId: 2, sceneItemIndex: 0 }, { sceneItemId: 1, sceneItemIndex: 1 }] });
    expect(await refused('GetSceneItemEnabled', { sceneName: 'one', sceneItemId: 99 })).toMatchObject({ code: 600 });
  });

  it('mutes and sets volumes in multipliers or dB, with their events, and sends meters in inputLevelsMul', async () => {
    const since = events.length;
    await ok('SetInputMute', { inputName: 'Tone', inputMuted: true });
    expect(await eventOf('InputMuteStateChanged', () => true, since)).toMatchObject({ inputName: 'Tone', inputMuted: true });
    expect(await ok('ToggleInputMute', { inputName: 'Tone' })).toEqual({ inputMuted: false });
    await ok('SetInputVolume', { inputName: 'Tone', inputVolumeMul: 0.5 });
    expect(await ok('GetInputVolume', { inputName: 'Tone' })).toEqual({ inputVolumeMul: expect.closeTo(0.5, 3), inputVolumeDb: -6.02 });
    expect(await eventOf('InputVolumeChanged', () => true, since)).toMatchObject({ inputName: 'Tone', inputVolumeDb: -6.02 });
    await ok('SetInputVolume', { inputName: 'Tone', inputVolumeDb: 0 });
    expect(await refused('SetInputVolume', { inputName: 'Tone', inputVolumeDb: 30 })).toMatchObject({ code: 402 });

    // At 0 dB the input peak (before the fader) is the peak, once the meters have caught up with the fader.
    const levelsOf = (d: ObsData): number[] | undefined => ((d.inputs as ObsData[]).find((i) => i.inputName === 'Tone')?.inputLevelsMul as number[][] | undefined)?.[0];
    const meters = await eventOf('InputVolumeMeters', (d) => {
      const levels = levelsOf(d);
      return levels !== undefined && levels[1]! > 0.01 && Math.abs(levels[2]! - levels[1]!) < 1e-6;
    }, since);
    const [magnitude, peak] = levelsOf(meters)!;
    expect(peak).toBeLessThanOrEqual(1);
    expect(magnitude).toBeLessThanOrEqual(peak!);
    expect((meters.inputs as ObsData[]).find((i) => i.inputName === 'Tone')!.inputLevelsMul).toHaveLength(2);
  });

  it('records to a file named by date in the recordings folder, with the record events', async () => {
    const since = events.length;
    const elsewhere = await refused('SetRecordDirectory', { recordDirectory: '/tmp' });
    expect(elsewhere.code).toBe(604);
    expect(elsewhere.comment).toContain(join(profileDir, 'recordings'));
    const takes = join(profileDir, 'recordings', 'takes');
    mkdirSync(takes, { recursive: true });
    await ok('SetRecordDirectory', { recordDirectory: takes });
    expect(await ok('GetRecordDirectory')).toEqual({ recordDirectory: takes });
    await ok('StartRecord');
    expect(await eventOf('RecordStateChanged', (d) => d.outputState === 'OBS_WEBSOCKET_OUTPUT_STARTED', since)).toMatchObject({ outputActive: true });
    expect(await ok('GetRecordStatus')).toMatchObject({ outputActive: true, outputPaused: false });
    expect(await refused('StartRecord')).toMatchObject({ code: 500 });
    expect(await refused('PauseRecord')).toMatchObject({ code: 604 });
    const { outputPath } = await ok('StopRecord');
    expect(String(outputPath).startsWith(takes)).toBe(true);
    expect(await eventOf('RecordStateChanged', (d) => d.outputState === 'OBS_WEBSOCKET_OUTPUT_STOPPED', since)).toEqual({ outputActive: false, outputState: 'OBS_WEBSOCKET_OUTPUT_STOPPED', outputPath });
    expect(existsSync(String(outputPath))).toBe(true);
  }, 60_000);

  it('sets the transition and its duration', async () => {
    const since = events.length;
    await ok('SetCurrentSceneTransition', { transitionName: 'Fade' });
    await ok('SetCurrentSceneTransitionDuration', { transitionDuration: 500 });
    expect(await ok('GetCurrentSceneTransition')).toMatchObject({ transitionName: 'Fade', transitionKind: 'fade_transition', transitionDuration: 500, transitionFixed: false });
    await ok('SetCurrentSceneTransition', { transitionName: 'Cut' });
    expect(await eventOf('CurrentSceneTransitionChanged', (d) => d.transitionName === 'Cut', since)).toMatchObject({ transitionName: 'Cut' });
    expect(await eventOf('CurrentSceneTransitionDurationChanged', () => true, since)).toEqual({ transitionDuration: 500 });
    expect(await refused('SetCurrentSceneTransition', { transitionName: 'Stinger' })).toMatchObject({ code: 600 });
  });

  it("sets Uplink's first destination from OBS's stream service settings and never gives the key back", async () => {
    expect(await refused('StartStream')).toMatchObject({ code: 604, comment: expect.stringContaining('nowhere to stream') });
    await ok('SetStreamServiceSettings', { streamServiceType: 'rtmp_common', streamServiceSettings: { service: 'Twitch', server: 'auto', key: 'live_123_secret' } });
    let s = await state();
    expect(s.destinations).toMatchObject([{ service: 'twitch', hasKey: true }]);
    const twitch = await ok('GetStreamServiceSettings');
    expect(twitch).toMatchObject({ streamServiceType: 'rtmp_common', streamServiceSettings: { service: 'Twitch' } });
    expect(JSON.stringify(twitch)).not.toContain('live_123_secret');

    await ok('SetStreamServiceSettings', { streamServiceType: 'rtmp_custom', streamServiceSettings: { server: 'rtmp://127.0.0.1:1935/live', key: 'custom-secret' } });
    s = await state();
    expect(s.destinations).toHaveLength(1);
    expect(s.destinations[0]).toMatchObject({ service: 'custom', serverUrl: 'rtmp://127.0.0.1:1935/live', hasKey: true });
    const custom = await ok('GetStreamServiceSettings');
    expect(custom).toEqual({ streamServiceType: 'rtmp_custom', streamServiceSettings: { server: 'rtmp://127.0.0.1:1935/live', use_auth: false, bwtest: false } });
    expect(await refused('SetStreamServiceSettings', { streamServiceType: 'rtmp_common', streamServiceSettings: { service: 'Dailymotion' } })).toMatchObject({ code: 400 });
    expect(await refused('StopStream')).toMatchObject({ code: 501 });
    expect(await refused('StopRecord')).toMatchObject({ code: 501 });
  });
});
