/**
 * Inputs (Uplink's sources) by OBS's kinds, their audio, and the source requests clients ask of every
 * input (filters, active state, media status). Settings cross in OBS's names through kinds.ts; a file a
 * client names goes through the port's path guard like the web remote's.
 */
import { type Collection, type MediaAction, type Source, type SourceInput, mediaPosition } from '../../contract.js';
import { DEFAULT_AUDIO } from '../../contract-scenes.js';
import { linearToDb } from '../../engine/scenes/obs-import.js';
import { RequestStatus } from './protocol.js';
import { type ObsContext, type RequestTable, collectionOf, inputFrom, sceneFrom, sourceFrom } from './context.js';
import { type Fields, fail } from './fields.js';
import { PLATFORM_KINDS, creatableKind, dbToMul, defaultSettings, hasAudioControls, obsKindOf, propertyItems, sourceInputFromObs, unversioned } from './kinds.js';
import { nameTaken, obsUuid } from './names.js';
import { inputListEntry, inputSettings, onAir } from './views.js';

const NO_AUDIO = 'The specified input does not support audio.';

/** OBS's media actions, and what each asks of Uplink (null: nothing to do). */
const MEDIA_INPUT_ACTIONS = {
  OBS_WEBSOCKET_MEDIA_INPUT_ACTION_NONE: null,
  OBS_WEBSOCKET_MEDIA_INPUT_ACTION_PLAY: 'play',
  OBS_WEBSOCKET_MEDIA_INPUT_ACTION_PAUSE: 'pause',
  OBS_WEBSOCKET_MEDIA_INPUT_ACTION_STOP: 'stop',
  OBS_WEBSOCKET_MEDIA_INPUT_ACTION_RESTART: 'restart',
  OBS_WEBSOCKET_MEDIA_INPUT_ACTION_NEXT: null,
  OBS_WEBSOCKET_MEDIA_INPUT_ACTION_PREVIOUS: null,
} as const satisfies Record<string, MediaAction | 'pause' | null>;

/** A media file input: the one kind with a position (a network stream has none). */
function mediaFile(c: Collection, f: Fields): Source {
  const input = inputFrom(c, f);
  if (input.kind !== 'media') fail(RequestStatus.InvalidResourceState, 'The specified input is not a media file: only a file has a position.');
  return input;
}

function audioInput(c: Collection, f: Fields): Source {
  const input = inputFrom(c, f);
  if (!hasAudioControls(input)) fail(RequestStatus.InvalidResourceState, NO_AUDIO);
  return input;
}

function audioOf(source: Source): { volumeDb: number; muted: boolean } {
  return ('audio' in source ? source.audio : undefined) ?? DEFAULT_AUDIO;
}

function checkKind(ctx: ObsContext, kind: string): string {
  const creatable = creatableKind(kind, ctx.platform);
  if (creatable === undefined) {
    fail(RequestStatus.InvalidInputKind, `Uplink on ${ctx.platform} has no input kind \`${kind}\`: GetInputKindList lists the ones it has.`);
  }
  return creatable;
}

export const inputRequests = {
  async GetInputList(ctx, f) {
    const kind = f.optionalString('inputKind');
    // Before the studio runs scenes (while it starts) there are no inputs yet.
    const sources = (await ctx.state()).scenes?.collection.sources ?? [];
    const inputs = sources.map((s) => inputListEntry(s, ctx.platform));
    return { inputs: kind === undefined ? inputs : inputs.filter((i) => i.inputKind === kind) };
  },

  async GetInputKindList(ctx, f) {
    const kinds = PLATFORM_KINDS[ctx.platform].all;
    return { inputKinds: f.optionalBoolean('unversioned') === true ? kinds.map(unversioned) : kinds };
  },

  async GetSpecialInputs(ctx) {
    const state = await ctx.state();
    const sources = state.scenes?.collection.sources ?? [];
    const role = (r: 'desktop-audio' | 'microphone', n: number): string | null =>
      sources.filter((s) => s.kind === 'audio-device' && s.settings.role === r)[n]?.name ?? null;
    return { desktop1: role('desktop-audio', 0), desktop2: role('desktop-audio', 1), mic1: role('microphone', 0), mic2: role('microphone', 1), mic3: role('microphone', 2), mic4: role('microphone', 3) };
  },

  async GetInputDefaultSettings(ctx, f) {
    const kind = checkKind(ctx, f.string('inputKind'));
    const state = await ctx.state();
    const canvas = state.scenes?.collection.canvas ?? { width: state.encoding.width, height: state.encoding.height, fps: state.encoding.fps };
    return { defaultInputSettings: defaultSettings(kind, canvas) };
  },

  async CreateInput(ctx, f) {
    const c = await collectionOf(ctx);
    const scene = sceneFrom(c, f);
    const name = f.string('inputName');
    const kind = checkKind(ctx, f.string('inputKind'));
    const settings = f.optionalObject('inputSettings') ?? {};
    const enabled = f.optionalBoolean('sceneItemEnabled') ?? true;
    if (nameTaken(c, name)) fail(RequestStatus.ResourceAlreadyExists, 'A source already exists by that input name.');
    const input = sourceInputFromObs(kind, name, settings, c.canvas) as SourceInput;
    const added = await ctx.port.commands.addSource(input, scene.id);
    if (!enabled && added.itemId !== undefined) await ctx.port.commands.updateItem(scene.id, added.itemId, { visible: false });
    await ctx.state();
    return { inputUuid: obsUuid(added.sourceId), sceneItemId: added.itemId === undefined ? 0 : ctx.numbers.numberOf(scene.id, added.itemId) };
  },

  async RemoveInput(ctx, f) {
    const input = inputFrom(await collectionOf(ctx), f);
    await ctx.port.commands.removeSource(input.id);
    return undefined;
  },

  async SetInputName(ctx, f) {
    const c = await collectionOf(ctx);
    const input = inputFrom(c, f);
    const name = f.string('newInputName');
    if (nameTaken(c, name, input.id)) fail(RequestStatus.ResourceAlreadyExists, 'A source already exists by that new input name.');
    await ctx.port.commands.updateSource(input.id, { name });
    return undefined;
  },

  async GetInputSettings(ctx, f) {
    const input = inputFrom(await collectionOf(ctx), f);
    return { inputSettings: inputSettings(input, ctx.platform), inputKind: obsKindOf(input, ctx.platform) };
  },

  async SetInputSettings(ctx, f) {
    const c = await collectionOf(ctx);
    const input = inputFrom(c, f);
    const given = f.object('inputSettings');
    const overlay = f.optionalBoolean('overlay') ?? true;
    const kind = obsKindOf(input, ctx.platform);
    if (input.kind === 'placeholder' || input.kind === 'test-pattern' || input.kind === 'tone') {
      fail(RequestStatus.InvalidResourceState, `The input \`${input.name}\` (${kind}) has no OBS settings Uplink can change.`);
    }
    const base = overlay ? inputSettings(input, ctx.platform) : {};
    const next = sourceInputFromObs(kind, input.name, { ...base, ...given }, c.canvas);
    if (next.kind !== input.kind) {
      fail(RequestStatus.InvalidRequestField, `These settings would make \`${input.name}\` a ${next.kind} source instead of a ${input.kind} one: create a new input instead.`);
    }
    // A setting the old source had and the new one lacks is cleared (updateSource merges).
    const settings: Record<string, unknown> = { ...next.settings };
    for (const key of Object.keys(input.settings)) if (!(key in settings)) settings[key] = undefined;
    await ctx.port.commands.updateSource(input.id, { settings });
    return undefined;
  },

  async GetInputPropertiesListPropertyItems(ctx, f) {
    const input = inputFrom(await collectionOf(ctx), f);
    const property = f.string('propertyName');
    const kind = obsKindOf(input, ctx.platform);
    // Only device lists exist here: asking for another property costs no device discovery.
    if (propertyItems(kind, property, []) === undefined) fail(RequestStatus.ResourceNotFound, 'Unable to find a property by that name.');
    return { propertyItems: propertyItems(kind, property, await ctx.port.commands.listDevices()) };
  },

  async GetInputMute(ctx, f) {
    return { inputMuted: audioOf(audioInput(await collectionOf(ctx), f)).muted };
  },

  async SetInputMute(ctx, f) {
    const input = audioInput(await collectionOf(ctx), f);
    await ctx.port.commands.setSourceAudio(input.id, { muted: f.boolean('inputMuted') });
    return undefined;
  },

  async ToggleInputMute(ctx, f) {
    const input = audioInput(await collectionOf(ctx), f);
    const muted = !audioOf(input).muted;
    await ctx.port.commands.setSourceAudio(input.id, { muted });
    return { inputMuted: muted };
  },

  async GetInputVolume(ctx, f) {
    const { volumeDb } = audioOf(audioInput(await collectionOf(ctx), f));
    return { inputVolumeMul: dbToMul(volumeDb), inputVolumeDb: volumeDb };
  },

  async SetInputVolume(ctx, f) {
    const input = audioInput(await collectionOf(ctx), f);
    const mul = f.optionalNumber('inputVolumeMul', 0, 20);
    const db = f.optionalNumber('inputVolumeDb', -100, 26);
    if (mul === undefined && db === undefined) fail(RequestStatus.MissingRequestField, 'You must specify one volume parameter.');
    if (mul !== undefined && db !== undefined) fail(RequestStatus.TooManyRequestFields, 'You may only specify one volume field.');
    await ctx.port.commands.setSourceAudio(input.id, { volumeDb: db ?? linearToDb(mul!) });
    return undefined;
  },

  async GetInputAudioBalance(ctx, f) {
    audioInput(await collectionOf(ctx), f);
    return { inputAudioBalance: 0.5 };
  },

  async GetInputAudioSyncOffset(ctx, f) {
    audioInput(await collectionOf(ctx), f);
    return { inputAudioSyncOffset: 0 };
  },

  async GetInputAudioMonitorType(ctx, f) {
    audioInput(await collectionOf(ctx), f);
    return { monitorType: 'OBS_MONITORING_TYPE_NONE' };
  },

  /** Uplink mixes every source into the one audio track it streams and records. */
  async GetInputAudioTracks(ctx, f) {
    audioInput(await collectionOf(ctx), f);
    return { inputAudioTracks: { 1: true, 2: false, 3: false, 4: false, 5: false, 6: false } };
  },

  async GetSourceActive(ctx, f) {
    const state = await ctx.state();
    const c = state.scenes?.collection;
    if (c === undefined) fail(RequestStatus.InvalidResourceState, 'The studio runs no scenes: load a scene collection first.');
    const found = sourceFrom(c, f);
    const active = onAir(c, state.scenes!.programSceneId).has('scene' in found ? found.scene.id : found.input.id);
    return { videoActive: active, videoShowing: active };
  },

  async GetSourceFilterList(ctx, f) {
    sourceFrom(await collectionOf(ctx), f);
    return { filters: [] };
  },

  async GetSourceFilterKindList() {
    return { sourceFilterKinds: [] };
  },

  /** The program picture (the preview's newest JPEG): the only picture Uplink makes is the scene on air. */
  async GetSourceScreenshot(ctx, f) {
    const state = await ctx.state();
    const scenes = state.scenes;
    if (scenes === null) fail(RequestStatus.InvalidResourceState, 'The studio runs no scenes: load a scene collection first.');
    const found = sourceFrom(scenes.collection, f);
    const format = f.string('imageFormat').toLowerCase();
    if (format !== 'jpg' && format !== 'jpeg') fail(RequestStatus.InvalidRequestField, 'Uplink\'s screenshots are JPEG: `imageFormat` must be jpg or jpeg.');
    f.optionalNumber('imageWidth', 8, 4096);
    f.optionalNumber('imageHeight', 8, 4096);
    f.optionalNumber('imageCompressionQuality', -1, 100);
    if (!('scene' in found) || found.scene.id !== scenes.programSceneId) {
      fail(RequestStatus.RequestProcessingFailed, 'Uplink can only take a screenshot of the scene on air (the program picture, at the preview\'s size).');
    }
    const frame = ctx.latestPreview();
    if (frame === undefined) fail(RequestStatus.RequestProcessingFailed, 'There is no program picture yet: the studio makes one only while its preview runs.');
    return { imageData: `data:image/jpeg;base64,${Buffer.from(frame.jpeg).toString('base64')}` };
  },

  /** Play, restart and stop; a single file has no next or previous (nothing, as in OBS); Uplink cannot pause one. */
  async TriggerMediaInputAction(ctx, f) {
    const input = inputFrom(await collectionOf(ctx), f);
    const action = f.string('mediaAction');
    if (!(action in MEDIA_INPUT_ACTIONS)) fail(RequestStatus.InvalidRequestField, `\`mediaAction\` must be one of ${Object.keys(MEDIA_INPUT_ACTIONS).join(', ')}.`);
    if (input.kind !== 'media' && input.kind !== 'network') fail(RequestStatus.InvalidResourceState, 'The specified input is not a media input.');
    const mediaAction = MEDIA_INPUT_ACTIONS[action as keyof typeof MEDIA_INPUT_ACTIONS];
    if (mediaAction === 'pause') fail(RequestStatus.RequestProcessingFailed, 'Uplink cannot pause a media input: stop it, or restart it from its start.');
    if (mediaAction !== null) await ctx.port.commands.mediaAction(input.id, mediaAction);
    return undefined;
  },

  /** Goes to a position (ms) of a media file: it plays from there. */
  async SetMediaInputCursor(ctx, f) {
    const input = mediaFile(await collectionOf(ctx), f);
    await ctx.port.commands.seekMedia(input.id, f.number('mediaCursor', 0));
    return undefined;
  },

  /** Moves a playing media file's position by an offset (ms, negative goes back), as a Stream Deck's scrub does. */
  async OffsetMediaInputCursor(ctx, f) {
    const input = mediaFile(await collectionOf(ctx), f);
    const offset = f.number('mediaCursorOffset');
    const media = (await ctx.state()).scenes?.media?.find((m) => m.sourceId === input.id);
    const position = media ? mediaPosition(media, Date.now()) : null;
    if (position === null) fail(RequestStatus.InvalidResourceState, 'The media input is not playing: it has no position to move.');
    await ctx.port.commands.seekMedia(input.id, Math.max(0, position + offset));
    return undefined;
  },

  async GetMediaInputStatus(ctx, f) {
    const state = await ctx.state();
    const c = state.scenes?.collection;
    if (c === undefined) fail(RequestStatus.InvalidResourceState, 'The studio runs no scenes: load a scene collection first.');
    const input = inputFrom(c, f);
    if (input.kind !== 'media' && input.kind !== 'network') return { mediaState: 'OBS_MEDIA_STATE_NONE', mediaDuration: null, mediaCursor: null };
    const status = state.scenes!.sources.find((s) => s.sourceId === input.id)?.state ?? 'live';
    const media = state.scenes!.media?.find((m) => m.sourceId === input.id);
    if (status === 'ended' && media?.stopped) return { mediaState: 'OBS_MEDIA_STATE_STOPPED', mediaDuration: null, mediaCursor: null };
    const mediaState = { opening: 'OBS_MEDIA_STATE_OPENING', live: 'OBS_MEDIA_STATE_PLAYING', stalled: 'OBS_MEDIA_STATE_BUFFERING', lost: 'OBS_MEDIA_STATE_ERROR', ended: 'OBS_MEDIA_STATE_ENDED' }[status];
    // As OBS: a position only while it plays.
    const position = status === 'live' && media ? mediaPosition(media, Date.now()) : null;
    return { mediaState, mediaDuration: position === null ? null : media!.durationMs, mediaCursor: position };
  },
} satisfies RequestTable;
